"""What apps above core show on an import's page about what the import set off, without core knowing them
(the lifecycle shows the cases an HR import opened, with links to them).

An app registers an `ImportResult` under a name in its `AppConfig.ready`. `context` receives the user and the
import run and answers with the template's context, or None when it has nothing to say about that run; the
template renders a section of the import's page. A query or two per run, within the user's scope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ordna.core.models import ImportRun, User


@dataclass(frozen=True)
class ImportResult:
    template: str
    context: Callable[[User, ImportRun], Mapping[str, Any] | None]


_RESULTS: dict[str, ImportResult] = {}


def import_result_register(name: str, result: ImportResult) -> None:
    """Show `result` on import pages; registering a name again replaces it."""
    _RESULTS[name] = result


def import_results_shown(user: User, run: ImportRun) -> list[tuple[str, Mapping[str, Any]]]:
    """The sections the registered apps show for `run`: (template, context), in the order of their names."""
    shown = []
    for _name, result in sorted(_RESULTS.items()):
        context = result.context(user, run)
        if context is not None:
            shown.append((result.template, context))
    return shown
