from __future__ import annotations

import pytest
from report_samples import sample_result

from mmcontract.report.model import RunResult


@pytest.fixture
def result() -> RunResult:
    return sample_result()
