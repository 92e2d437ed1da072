"""Line actions: what the apps above offer on a case's lines, asked once per page for all its lines."""

from __future__ import annotations

from collections.abc import Sequence

from ordna.core.models import User
from ordna.lifecycle import line_actions
from ordna.lifecycle.line_actions import LineAction, line_action_register, line_actions_offered
from ordna.lifecycle.models import Line


def test_each_line_gets_the_templates_of_the_actions_offered_on_it_in_the_order_of_their_names(monkeypatch) -> None:
    monkeypatch.setattr(line_actions, "_ACTIONS", {})
    asked: list[tuple[str, list[int]]] = []

    def accounts_only(user: User, lines: Sequence[Line]) -> set[int]:
        asked.append((user.username, [line.pk for line in lines]))
        return {line.pk for line in lines if line.kind == "account"}

    line_action_register("b.disable", LineAction(template="b/disable.html", offered_on=accounts_only))
    line_action_register("a.note", LineAction(template="a/note.html", offered_on=lambda user, lines: [lines[0].pk]))
    lines = [Line(pk=1, kind="account"), Line(pk=2, kind="device"), Line(pk=3, kind="account")]
    assert line_actions_offered(User(username="it"), lines) == {
        1: ["a/note.html", "b/disable.html"],
        3: ["b/disable.html"],
    }
    assert asked == [("it", [1, 2, 3])]  # once for the whole page
