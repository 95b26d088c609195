"""Python's cyclic garbage collector around work that builds many long-lived objects.

The collector re-walks every tracked object at each generation-2 collection. Two kinds of process in this
project hold hundreds of thousands of such objects for nothing: a batch worker or warm kernel after importing
pandas, scipy, matplotlib, papermill and the toolkit (they live as long as the process), and WeasyPrint while
it lays out a document (boxes and styles, freed together when the PDF is written). Measured on the 2-core
machine: a worksheet PDF of a 50-role build 0.70–1.01 s → 0.56–0.75 s with the collector paused (and the
52-page scheme 4.5 s → 3.4 s, when WeasyPrint still set it).
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "freeze_imports"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the cycles it leaves go at the next ordinary collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def freeze_imports() -> None:
    """Move every object alive now (the imported modules, mostly) out of the collector's sight for good.

    For long-lived processes after their imports (:func:`gc.freeze`): later collections walk only what the
    jobs allocate. The objects are still freed by reference counting; only cycles among them stay.
    """
    gc.collect()
    gc.freeze()
