"""Where training or capacity would help most (docs/key-users.md): a ranking over plain figures, no ORM.

Each application's questions, skill ratings, wishes and key-user capacity become one score from 0 to 100,
and the reasons behind it are kept as codes with their figures, so the page can say in the reader's
language why an application is high on the list.

Weights (WEIGHTS): question load 30, skill gap 30, training wanted 10, repeated questions 10, escalation rate 5,
popular open wishes 5, missing or overloaded key users 10; an application with fewer than MANY_QUESTIONS_MIN
questions has no load. Questions and low ratings weigh most because
together they are the clearest sign that people struggle with an application.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

REPEAT_SIMILARITY = 0.5  # Jaccard similarity of two questions' words from which one repeats the other
REPEAT_WINDOW = 500  # questions compared per application (the most recent), to bound the work
# Below this many questions an application's load is no signal: one or two questions say nothing about
# struggling users, and never call for more key-user capacity.
MANY_QUESTIONS_MIN = 5
WEIGHTS = {
    "load": 30,
    "gap": 30,
    "training": 10,
    "repeats": 10,
    "escalation": 5,
    "wishes": 5,
    "capacity": 10,
}


@dataclass(frozen=True)
class Signals:
    """What is known about one application over the period looked at."""

    application_id: int
    questions: int = 0
    escalated: int = 0
    repeated: int = 0
    ratings: int = 0
    mean_rating: float | None = None
    want_training: int = 0
    open_wish_votes: int = 0
    active_key_users: int = 1
    key_users_over_budget: int = 0


@dataclass(frozen=True)
class Reason:
    code: str  # many_questions, low_rating, wants_training, repeated, escalations, wishes, no_key_user, over_budget
    figures: dict[str, float | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    application_id: int
    score: int
    kind: str  # "training", "capacity" or "training_and_capacity"
    reasons: tuple[Reason, ...]
    # How the score is made: (part, points) for each part that adds something, the parts' keys as in WEIGHTS.
    parts: tuple[tuple[str, int], ...] = ()


def _words(text: str) -> frozenset[str]:
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return frozenset(w for w in re.findall(r"[a-z0-9]+", folded) if len(w) > 2)


def repeated_questions(texts: Sequence[str]) -> int:
    """How many questions (in the order asked) say much the same as an earlier one."""
    seen: list[frozenset[str]] = []
    repeats = 0
    for text in texts[-REPEAT_WINDOW:]:
        words = _words(text)
        if words and any(len(words & other) / len(words | other) >= REPEAT_SIMILARITY for other in seen):
            repeats += 1
        seen.append(words)
    return repeats


def rank(signals: Iterable[Signals]) -> list[Suggestion]:
    """Applications with something to improve, highest score first (ties by fewer ratings, then id)."""
    items = list(signals)
    most_questions = max((s.questions for s in items), default=0)
    suggestions = []
    for s in items:
        reasons: list[Reason] = []
        load = s.questions / most_questions if most_questions and s.questions >= MANY_QUESTIONS_MIN else 0.0
        gap = (5 - s.mean_rating) / 4 if s.mean_rating is not None else 0.0
        training = s.want_training / s.ratings if s.ratings else 0.0
        repeats = s.repeated / s.questions if s.questions else 0.0
        escalation = s.escalated / s.questions if s.questions else 0.0
        wishes = min(s.open_wish_votes, 20) / 20
        capacity = 1.0 if s.active_key_users == 0 or s.key_users_over_budget else 0.0
        shares = {
            "load": load,
            "gap": gap,
            "training": training,
            "repeats": repeats,
            "escalation": escalation,
            "wishes": wishes,
            "capacity": capacity,
        }
        points = {part: WEIGHTS[part] * share for part, share in shares.items()}
        score = sum(points.values())
        if s.questions >= MANY_QUESTIONS_MIN and load >= 0.5:
            reasons.append(Reason("many_questions", {"questions": s.questions}))
        if s.mean_rating is not None and s.mean_rating <= 3:
            reasons.append(Reason("low_rating", {"mean": round(s.mean_rating, 1), "ratings": s.ratings}))
        if s.ratings and training >= 0.3:
            reasons.append(Reason("wants_training", {"percent": round(training * 100)}))
        if s.repeated >= 2:
            reasons.append(Reason("repeated", {"repeated": s.repeated}))
        if s.escalated >= 2 and escalation >= 0.4:
            reasons.append(Reason("escalations", {"percent": round(escalation * 100)}))
        if s.open_wish_votes >= 5:
            reasons.append(Reason("wishes", {"votes": s.open_wish_votes}))
        if s.active_key_users == 0:
            reasons.append(Reason("no_key_user"))
        if s.key_users_over_budget:
            reasons.append(Reason("over_budget", {"people": s.key_users_over_budget}))
        if not reasons:
            continue
        training_side = {"low_rating", "wants_training", "repeated"} & {r.code for r in reasons}
        capacity_side = {"no_key_user", "over_budget", "escalations"} & {r.code for r in reasons}
        # Capacity is advised only on a sign of it (no key user, one over budget, the supplier needed often);
        # many questions alone ask for training.
        kind = (
            "training_and_capacity" if training_side and capacity_side else "capacity" if capacity_side else "training"
        )
        parts = tuple((part, round(value)) for part, value in points.items() if round(value))
        suggestions.append(Suggestion(s.application_id, round(score), kind, tuple(reasons), parts))
    return sorted(suggestions, key=lambda x: (-x.score, x.application_id))
