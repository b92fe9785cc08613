"""THE fidelity test: every fact the reference page states agrees with the contract, or the contract records
why not (`x-doc-gap` with that aspect on that node). Fails listing each unexcused difference."""

from __future__ import annotations

from mmcontract.doccheck.compare import compare
from mmcontract.spec import load_spec


def test_the_contract_agrees_with_the_reference_page(reference_page):
    result = compare(reference_page, load_spec())
    listed = "\n".join(str(d) for d in result.differences)
    assert not result.differences, f"{len(result.differences)} unexcused difference(s):\n{listed}"
    assert not result.invalid_gaps, "\n".join(result.invalid_gaps)


def test_the_page_was_read_whole(reference_page):
    """The comparison is only as good as the reading: every section named, every operation compared."""
    assert [s.label for s in reference_page.unidentified] == []
    result = compare(reference_page, load_spec())
    assert result.counts["operations"].total == 19
    assert result.counts["schemas"].total == 37
    assert result.counts["parameters"].total == 98
    assert result.counts["properties"].total >= 228


def test_an_absent_page_skips_but_fails_under_ci(monkeypatch, tmp_path):
    import pytest
    from doccheck_samples import PAGE_ENV, reference_page_path

    monkeypatch.setenv(PAGE_ENV, str(tmp_path / "absent.txt"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="reference page not found"):
        reference_page_path()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="under CI"):
        reference_page_path()
