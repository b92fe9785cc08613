"""`mmcontract compare`: the same requests to two servers (today's and tomorrow's), and the behaviour that changed.

`rules` (ids and levels), `fields` (what the page-level contract says of a response field), `plan` (the battery
and the generated requests), `engine` (sending, noise learning, classification), `run` (the whole comparison),
`cli` (options, reports, exit code). The reports are `report/compare_*.py`.
"""
