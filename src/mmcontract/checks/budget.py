"""How much each semantic check may spend per profile, and the one way they run a Hypothesis property.

Properties run with a fixed seed when the run has one (`--seed`), no example database (a target is not a
pure function: replaying stored examples across targets misleads), no deadline (the network is noisy) and
one reported bug, so a failure is a single `ContractViolation`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st


@dataclass(frozen=True)
class Budget:
    examples: int  # Hypothesis examples per property
    pages: int  # pages a walk aims at (the limit is chosen so the list splits into about this many)
    max_pages: int  # hard cap on the requests of one walk
    probes: int  # candidate ids probed to find a long nested list
    shrink: bool  # shrinking replays requests: only where time allows


BUDGETS: dict[str, Budget] = {
    "quick": Budget(examples=4, pages=3, max_pages=8, probes=3, shrink=False),
    "default": Budget(examples=12, pages=4, max_pages=15, probes=6, shrink=False),
    "thorough": Budget(examples=40, pages=6, max_pages=40, probes=12, shrink=True),
}


def budget_for(profile: str | None) -> Budget:
    return BUDGETS.get(profile or "default", BUDGETS["default"])


def run_property(
    check: Callable[..., Any],
    *strategies: st.SearchStrategy[Any],
    budget: Budget,
    seed: int | None = None,
    examples: tuple[tuple[Any, ...], ...] = (),
) -> None:
    """Run `check(*drawn)` as a Hypothesis property over `strategies`; explicit `examples` run first."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if budget.shrink else [])

    @settings(
        max_examples=budget.examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        report_multiple_bugs=False,
        phases=phases,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.tuples(*strategies))
    def prop(drawn: tuple[Any, ...]) -> None:
        check(*drawn)

    for ex in examples:
        prop = example(tuple(ex))(prop)
    if seed is not None:
        prop = hypothesis_seed(seed)(prop)
    prop()
