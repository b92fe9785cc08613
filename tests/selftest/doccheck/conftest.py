"""Fixtures for the doc-check tests: the reference page (absent in a user's clone)."""

from __future__ import annotations

import pytest
from doccheck_samples import reference_page_path

from mmcontract.doccheck.reader import Page, read_page


@pytest.fixture(scope="session")
def reference_page() -> Page:
    return read_page(reference_page_path())
