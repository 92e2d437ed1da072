"""A contract's service levels as measured: the figures' shape, and the one measure that fills them.

What a level measures, questions escalated to the supplier and offboarding lines assigned to it, belongs to apps
above this one (support, lifecycle). The reviews app, above both, registers its measure when Django starts
(ReviewsConfig.ready), so the contract pages and the API show the figures without suppliers importing upwards.
Without a registered measure every level reads as not measured yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from ordna.suppliers.models import Contract, ServiceLevel


@dataclass
class Breach:
    """One measurement that missed its target: what, when, how long (hours or days) against the target."""

    subject: str
    started: date
    measured: float
    target: int
    running: bool
    url: str


@dataclass
class LevelReport:
    """One service level over a period: how many measurements counted, how many met the target, the misses."""

    level: ServiceLevel
    measured: int = 0
    met: int = 0
    breaches: list[Breach] = field(default_factory=list)

    @property
    def percent_met(self) -> float | None:
        return round(100 * self.met / self.measured, 1) if self.measured else None

    @property
    def achieved(self) -> bool | None:
        return None if self.percent_met is None else self.percent_met >= self.level.target_percent


class ServiceLevelMeasure(Protocol):
    def __call__(
        self, contract: Contract, *, since: date, until: date, now: datetime | None = None
    ) -> list[LevelReport]: ...


_measure: ServiceLevelMeasure | None = None


def measure_service_levels_with(measure: ServiceLevelMeasure) -> None:
    """Make `measure` the one that service_levels_measured asks; registering again replaces it."""
    global _measure
    _measure = measure


def service_levels_measured(
    contract: Contract, *, since: date, until: date, now: datetime | None = None
) -> list[LevelReport]:
    """Each service level of `contract` measured over [since, until], in the contract's order of levels."""
    if _measure is None:
        return [LevelReport(level) for level in contract.service_levels.all()]
    return _measure(contract, since=since, until=until, now=now)
