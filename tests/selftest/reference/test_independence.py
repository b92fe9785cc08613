"""The reference server is an independent implementation: nothing in it reads the contract (design.md, section 1),
so a clean suite run against it proves something."""

from __future__ import annotations

import ast
from pathlib import Path

import mmcontract.reference

FORBIDDEN_MODULES = ("yaml", "jsonschema", "schemathesis", "openapi_spec_validator", "mmcontract.spec")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_reference_module_reads_the_contract() -> None:
    sources = sorted(Path(mmcontract.reference.__file__).parent.glob("*.py"))
    assert len(sources) >= 8
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert "model_management.yaml" not in text, source.name
        bad = {name for name in _imports(source) if name.startswith(FORBIDDEN_MODULES)}
        assert not bad, f"{source.name} imports {sorted(bad)}"
