"""What the suite knows about a target: its configuration, the reachability probe, the ids found on it.

`config.TargetConfig` (endpoint, token, profile, ...), `probe.probe(target)` (one GET before anything else),
`discovery.discover(client)` (real ids found by listing, never assumed), `embedded` (the reference server
started in-process when no endpoint is given), `plugin` (the pytest plugin: options, fixtures, results).
"""
