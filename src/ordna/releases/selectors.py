"""Reads about releases: the question count around go-live (docs/releases.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ordna.releases.models import Release

WATCH_DAYS = 14


@dataclass(frozen=True)
class QuestionImpact:
    """Questions about the application in the two weeks before go-live and the two weeks from it."""

    before: int
    after: int
    complete: bool  # the two weeks after have passed

    @property
    def spike(self) -> bool:
        return self.after > max(self.before, 0) * 1.5 and self.after - self.before >= 3


def question_impact(release: Release, *, today: date) -> QuestionImpact | None:
    """None until the release went live."""
    from ordna.support.models import Question

    live = release.went_live_on
    if live is None:
        return None
    questions = Question.objects.filter(application_id=release.application_id)
    before = questions.filter(asked_at__date__gte=live - timedelta(days=WATCH_DAYS), asked_at__date__lt=live).count()
    after = questions.filter(asked_at__date__gte=live, asked_at__date__lt=live + timedelta(days=WATCH_DAYS)).count()
    return QuestionImpact(before, after, today >= live + timedelta(days=WATCH_DAYS))
