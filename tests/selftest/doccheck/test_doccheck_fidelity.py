"""THE fidelity test: every fact the reference page states agrees with the contract, or the contract records
why not (`x-doc-gap` with that aspect on that node). Fails listing each unexcused difference."""

from __future__ import annotations

import warnings

import pytest

from mmcontract.doccheck.compare import compare
from mmcontract.spec import load_spec


def test_the_contract_agrees_with_the_reference_page(reference_page):
    result = compare(reference_page, load_spec())
    listed = "\n".join(str(d) for d in result.differences)
    assert not result.differences, f"{len(result.differences)} unexcused difference(s):\n{listed}"
    assert not result.invalid_gaps, "\n".join(result.invalid_gaps)
    if result.stale:
        shown = "; ".join(str(g) for g in result.stale[:5])
        warnings.warn(
            f"{len(result.stale)} x-doc-gap entries excuse nothing (their aspect equals the page there): {shown}"
            + (" ..." if len(result.stale) > 5 else ""),
            stacklevel=1,
        )


def test_the_page_was_read_whole(reference_page):
    """The comparison is only as good as the reading: every section named, every operation compared."""
    assert [s.label for s in reference_page.unidentified] == []
    result = compare(reference_page, load_spec())
    assert result.counts["operations"].total == 19
    assert result.counts["schemas"].total == 37
    assert result.counts["parameters"].total == 98
    assert result.counts["properties"].total >= 228


def test_an_absent_page_skips_but_fails_under_ci(monkeypatch, tmp_path):
    from doccheck_samples import PAGE_ENV, reference_page_path

    monkeypatch.setenv(PAGE_ENV, str(tmp_path / "absent.txt"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="reference page not found"):
        reference_page_path()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="under CI"):
        reference_page_path()


def _schema(spec, name):
    return spec["components"]["schemas"][name]


def _op(spec, path, method):
    return spec["paths"][path][method]


# One documented fact broken in the real contract at a time: the fidelity test must notice each.
BREAKS = [
    (
        "ModelPackageTarget.classCount",
        lambda s: _schema(s, "ModelPackageTarget")["properties"]["classCount"].update(type="integer"),
    ),
    (
        "ModelPackageCreateFromLeaderboard.name",
        lambda s: _schema(s, "ModelPackageCreateFromLeaderboard")["properties"]["name"].update(
            maxLength=1000
        ),
    ),
    (
        "FeatureListResponse.totalCount",
        lambda s: _schema(s, "FeatureListResponse")["required"].remove("totalCount"),
    ),
    (
        "ModelPackageListResponse.next",
        lambda s: _schema(s, "ModelPackageListResponse")["properties"]["next"].pop("format"),
    ),
    (
        "ModelPackageScoringCodeMeta.location",
        lambda s: _schema(s, "ModelPackageScoringCodeMeta")["properties"]["location"]["enum"].remove("mlpkg"),
    ),
    (
        "POST /modelPackages/{modelPackageId}/archive/",
        lambda s: _op(s, "/modelPackages/{modelPackageId}/archive/", "post").pop("deprecated"),
    ),
    (
        "GET /modelPackages/{modelPackageId}/ response 404",
        lambda s: _op(s, "/modelPackages/{modelPackageId}/", "get")["responses"].pop("404"),
    ),
    (
        "GET /registeredModels/ query parameter stage",
        lambda s: next(
            p for p in _op(s, "/registeredModels/", "get")["parameters"] if p.get("name") == "stage"
        )["schema"]["enum"].pop(),
    ),
]


@pytest.mark.parametrize(("location", "breakage"), BREAKS, ids=[b[0] for b in BREAKS])
def test_the_fidelity_test_fires_on_a_broken_contract(reference_page, location, breakage):
    spec = load_spec()  # a fresh copy
    breakage(spec)
    result = compare(reference_page, spec)
    assert [d.location for d in result.differences] == [location], [str(d) for d in result.differences]
