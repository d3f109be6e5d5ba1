"""Process pools that start safely from anywhere: a CLI, a script, an Airflow task.

forkserver/spawn children re-run the parent's ``__main__`` script unless it is hidden. Inside an
Airflow task that script is the ``airflow`` command (importing it in a child fails: task processes
get no metadata database), and a user's script without an ``if __name__ == "__main__"`` guard
would run again. Our worker functions live in importable modules, so children never need
``__main__``: it is hidden while workers are started.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any


@contextlib.contextmanager
def main_module_hidden() -> Iterator[None]:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _die_with_parent(initializer: Callable[..., Any] | None) -> None:
    """Worker start-up: ask Linux to kill this worker when its parent dies (a kill -9 of a cycle
    must not leave extraction workers behind), then run the real initializer."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if initializer is not None:
        initializer()


class SafePool(ProcessPoolExecutor):
    """A forkserver ProcessPoolExecutor whose workers never re-import ``__main__``.

    forkserver rather than fork: the parent has threads (asyncio resolvers, DuckDB), and fork
    copies their locks in whatever state they are in.
    """

    def __init__(self, workers: int, initializer: Callable[..., Any] | None = None) -> None:
        import multiprocessing

        super().__init__(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                         initializer=_die_with_parent, initargs=(initializer,))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        with main_module_hidden():  # workers are started lazily, inside submit
            return super().submit(fn, *args, **kwargs)
