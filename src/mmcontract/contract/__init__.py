"""Contract levels: the page contract, and the client contract (page + the datarobot client overlay)."""
