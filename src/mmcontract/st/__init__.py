"""Schemathesis, configured so that a correct server that follows the page raises no alarm.

- `config`: the Schemathesis config and the loaded schema (`load_schema`), with the `filter_failure` hook that
  honours the contract's recorded decisions;
- `lenience`: pure; which negative cases the contract excuses (`x-mm-no-negative`, `x-mm-lenient-missing`,
  `x-mm-lenient-values`);
- `discretion`: free-form query values a server may bound (`QueryParam`, `tamed_query`) and the one re-send that
  tells a server's discretion from a real rejection;
- `steering`: the global `before_call`/`after_call` hooks that point path ids at real resources;
- `execute`: one generated case or state-machine step, sent, counted and validated;
- `records`: Schemathesis failures as report records.

This package imports nothing at package level, so `mmcontract.target.plugin` can import `st.records` while
`st.execute` imports the plugin.
"""
