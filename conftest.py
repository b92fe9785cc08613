"""Repository root conftest: loads the contract suite's pytest plugin (options, fixtures, results), so
`pytest tests/contract --endpoint URL` works from a checkout. `mmcontract run` loads the same plugin."""

pytest_plugins = ["mmcontract.target.plugin"]
