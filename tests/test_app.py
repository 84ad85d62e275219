"""What holds for the app as a whole."""

from __future__ import annotations

import gc
import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts

from payam.app import create_app
from payam.config import Settings
from payam.runtime import Runtime


async def test_a_server_freezes_what_start_up_made(settings: Settings) -> None:
    """Full collections then skip the start-up's objects, which stopped the loop for 0.4 s."""
    app = create_app(settings.model_copy(update={"embedded_worker": False}))
    gc.collect()
    alive_before_start = len(gc.get_objects())
    try:
        async with app.router.lifespan_context(app):
            # What lived before start-up (imports, the app) and what it built, bar the odd
            # temporary that died since.
            assert gc.get_freeze_count() > 0.9 * alive_before_start
    finally:
        gc.unfreeze()


async def test_an_app_on_a_runtime_it_was_given_freezes_nothing(runtime: Runtime) -> None:
    # Tests build an app per test: frozen objects would never be freed.
    app = create_app(runtime=runtime)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _runs_on_the_event_loop(call: Any) -> bool:
    # A security scheme (HTTPBearer) is an object whose __call__ is async.
    function = call if inspect.isfunction(call) else getattr(call, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


def test_no_route_hands_work_to_the_thread_pool(settings: Settings) -> None:
    """FastAPI runs a plain ``def`` (endpoint or dependency) in its thread pool: a thread hop
    per call that, under load, queues behind every other request's hops and contends for the
    GIL with the event loop. Ours are all cheap, so they are all ``async def``."""
    app = create_app(settings)
    in_threads = sorted(
        {
            f"{route.path_format}: {getattr(call, '__qualname__', call)}"
            for route in iter_route_contexts(list(app.routes))
            if isinstance(route.original_route, APIRoute | APIWebSocketRoute)
            for call in [route.endpoint, *_calls(route.dependant)]
            if call is not None and not _runs_on_the_event_loop(call)
        }
    )
    assert in_threads == []
