"""Large in-memory builds without the cyclic garbage collector walking them over and over.

An import creates millions of small tuples and strings and no reference cycles; CPython's collector,
triggered every few hundred allocations, would otherwise traverse the whole growing heap again and again
(about a third of the time of building the people index). Reference counting still frees everything.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (nesting is fine); it resumes as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def keep_for_process() -> None:
    """Move everything alive now out of the collector's sight: long-lived caches (the people index) that
    later collections need not traverse again. Memory is still freed by reference counting."""
    gc.collect()
    gc.freeze()
