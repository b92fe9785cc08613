"""The fidelity check: read the scraped reference page and compare every fact it states with the contract.

`reader` turns the page into a structured model (operations, parameters, schema sections whose lost
headings are recovered from evidence), `contract` gives the spec's nodes (pointers, `$ref`, `x-doc-gap`
entries, normalised types), `compare` matches the two fact by fact and excuses only what an `x-doc-gap`
records, `cli` is `mmcontract doc-check PAGE`.
"""
