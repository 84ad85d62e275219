"""The FastAPI application: routers, middleware, error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from posixpath import commonpath

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from payam import __version__
from payam.admin.router import router as admin_router
from payam.apikeys.router import router as api_keys_router
from payam.apikeys.service import authenticate_api_key
from payam.auth.router import router as auth_router
from payam.background import embedded_background
from payam.billing.admin_router import router as billing_admin_router
from payam.billing.router import router as billing_router
from payam.campaigns.router import router as campaigns_router
from payam.config import Environment, Settings, get_settings
from payam.imports.router import router as imports_router
from payam.jobs.worker import configure_jobs
from payam.kit.body_limit import BodyLimitMiddleware
from payam.kit.heap import freeze_startup_objects
from payam.kit.problems import document_problems, install_problem_handlers
from payam.live.router import router as live_router
from payam.media.router import router as media_router
from payam.observability.health import router as health_router
from payam.observability.logging import configure_logging
from payam.observability.middleware import RequestContextMiddleware
from payam.providers.cloud.fake_graph import FakeGraph
from payam.providers.cloud.router import router as whatsapp_webhooks_router
from payam.runtime import Runtime
from payam.safety.router import router as preflight_router
from payam.senders.router import router as senders_router
from payam.stats.router import router as statistics_router
from payam.users.router import router as users_router
from payam.web.docs import docs_router
from payam.web.headers import SecurityHeadersMiddleware
from payam.web.spa import install_web_app
from payam.webhooks.router import router as webhooks_router

API_PREFIX = "/api/v1"
DOCS_ASSETS = "/api/docs-assets"
FAKE_GRAPH_PATH = "/fake-graph"


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the app. Tests pass their own ``runtime``; the server builds one per process."""
    settings = settings or (runtime.settings if runtime else get_settings())
    # Each uvicorn worker process builds its own app, so logging is configured here, not in the CLI.
    configure_logging(settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime or Runtime.create(settings)
        # Every API process queues jobs; embedded, it also runs them and the dispatcher.
        configure_jobs(settings)
        await app.state.runtime.start()
        if owned:
            # The server's own process: what start-up built lives as long as it does.
            freeze_startup_objects()
        try:
            if settings.embedded_worker:
                async with embedded_background(app.state.runtime):
                    yield
            else:
                yield
        finally:
            if owned:
                await app.state.runtime.close()

    # The docs' scripts are served from the package (static_url): no CDN, so they work offline and
    # behind networks that block CDNs. Its page is payam.web.docs', which the strict CSP allows.
    app = FastAPIOffline(
        title="Payam",
        summary="WhatsApp campaign manager",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        static_url=DOCS_ASSETS,
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    app.state.key_authenticator = authenticate_api_key
    install_problem_handlers(app)
    document_problems(app)

    # Inserted, not included: the composition and its analysis are shared (versioned_api_routes).
    app.router.routes.extend(versioned_api_routes())
    app.include_router(health_router)
    app.include_router(
        docs_router(
            docs_url="/api/docs",
            openapi_url=f"{API_PREFIX}/openapi.json",
            assets_url=DOCS_ASSETS,
            title="Payam API",
        )
    )
    if settings.environment is Environment.DEVELOPMENT:
        # A fake of Meta's Graph API, to try Cloud API numbers without Meta (docs/whatsapp.md).
        app.mount(FAKE_GRAPH_PATH, FakeGraph().app)
    # Last: the web app answers every path no route above took (but the API's).
    install_web_app(app, settings.web_dir)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    # Added last so it is outermost: it sees every request, and the route once matched.
    app.add_middleware(RequestContextMiddleware)
    return app


class _PathGuard(APIRouter):
    """One feature's routes, tried only for a path under the prefix they all share.

    FastAPI (0.165) keeps included routers nested and tries every route of every router in
    turn, twice per request (to match, then to handle): a campaign's path was tried against
    the ~100 routes of the features included before it, a tenth of a request's CPU
    (docs/performance.md). A path outside the prefix cannot match any of them, not even in part.
    """

    def __init__(self, feature: APIRouter) -> None:
        super().__init__()
        paths = [getattr(route, "path", "") for route in feature.routes]
        shared = commonpath(paths).split("{")[0] if paths and all(paths) else ""
        self.path_prefix = API_PREFIX + shared
        self.include_router(feature)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.path_prefix):
            return Match.NONE, {}
        return super().matches(scope)


@cache
def versioned_api_routes() -> tuple[BaseRoute, ...]:
    """Every feature's routes under the API prefix, composed and analysed once per process.

    FastAPI analyses every route's dependencies again for each router a route is included in,
    and again for each app: about 150 ms when an app is built and as much again on its first
    requests, more than everything else a test does. Production builds one app per process and
    never notices; the suite builds one per test. So the composed routes are built once and
    inserted into each app as they are. Nothing in them belongs to one app: the running app is
    found through the request (``request.app.state``), and Payam uses no dependency overrides,
    the one thing FastAPI ties to the app an included route was analysed for.
    """
    api = APIRouter(prefix=API_PREFIX)
    for feature in (
        auth_router,
        users_router,
        api_keys_router,
        admin_router,
        statistics_router,
        billing_router,
        billing_admin_router,
        senders_router,
        whatsapp_webhooks_router,
        campaigns_router,
        preflight_router,
        imports_router,
        media_router,
        live_router,
        webhooks_router,
    ):
        api.include_router(_PathGuard(feature))
    composed = APIRouter()
    composed.include_router(api)
    return tuple(composed.routes)
