"""What the garbage collector walks in a long-lived process (``payam serve``, ``payam worker``)."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Keep the garbage collector from walking what start-up made, for good.

    Importing FastAPI, pydantic, SQLAlchemy and our modules leaves some 200,000 objects that
    live as long as the process. Every full collection walked them all, stopping the event loop
    each time: in the API 0.4 s every few seconds under load (``/healthz`` p50 30 ms, p99
    0.6-1.1 s); in a worker pacing 1,000 numbers 0.3-0.35 s, every turn due meanwhile late
    (``bench/paced_bench.py --no-freeze``, docs/performance.md). Frozen, they are never walked
    again; what the process makes later is collected as before. Not for tests, which build
    apps and runtimes by the hundred: the frozen objects would never be freed.
    """
    gc.collect()
    gc.freeze()
