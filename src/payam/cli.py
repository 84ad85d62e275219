"""The ``payam`` command line.

Each command imports what it uses inside its body: the whole application takes seconds of CPU
to import, and `payam --help`, `payam migrate` or a worker restarting after a crash should not
pay for the parts they never run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from payam.config import get_settings

app = typer.Typer(
    help="Payam: a multi-user WhatsApp campaign manager.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# With --workers, uvicorn's supervisor pings each API process every half second and kills one
# that takes longer than this to answer (uvicorn's default: 5 s). A process answers from a
# thread, which needs the interpreter lock: on a busy machine a starting process's imports and
# its collection before gc.freeze() (payam.app) held it longer than 5 s, so the supervisor
# killed and restarted the workers again and again and `--workers 2` never answered (issue 13).
# A hung process is still replaced, a minute later.
WORKER_HEALTHCHECK_SECONDS = 60


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="API processes (needs PostgreSQL/MariaDB).")] = 1,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Proxies whose X-Forwarded-For is believed: addresses or networks, comma-"
            "separated, or * (default: PAYAM_FORWARDED_ALLOW_IPS)."
        ),
    ] = None,
) -> None:
    """Serve the API (and the web app) over HTTP; the API docs are at /api/docs."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and settings.is_sqlite:
        raise typer.BadParameter("several workers need PostgreSQL or MariaDB, not SQLite")
    trusted = settings.trusted_proxies if forwarded_allow_ips is None else forwarded_allow_ips
    uvicorn.run(
        "payam.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        # The client address decides rate limits and lockouts: a header is believed only from
        # a proxy named here, and from none when the list is empty.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        # Compression keeps a zlib compressor and decompressor per live socket, about half of
        # an idle socket's memory (bench/live_bench.py), and compresses each event once per
        # socket; the events are a few hundred bytes, seldom enough not to need it.
        ws_per_message_deflate=False,
    )


@app.command()
def worker() -> None:
    """Send campaigns (and run background jobs when PAYAM_BROKER_URL is set) in this process.

    Run as many as you like beside `payam serve` (with PAYAM_EMBEDDED_WORKER=false there); each
    WhatsApp number is served by one worker at a time and moves on if that worker dies.
    """
    from payam.background import run_worker
    from payam.observability.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_format)
    run_worker(settings)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run again)."""
    from payam.db.migrate import upgrade_to_head

    settings = get_settings()
    upgrade_to_head(settings)
    typer.echo(f"Database is up to date ({settings.database_url.split('@')[-1]}).")


@app.command()
def openapi(
    output: Annotated[
        Path | None, typer.Option(help="Write it here (make openapi: docs/openapi.json).")
    ] = None,
) -> None:
    """Print the API's OpenAPI schema, as the published contract docs/openapi.json holds it."""
    from payam.app import create_app
    from payam.web.contract import render_openapi

    text = render_openapi(create_app(get_settings()))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@app.command("create-admin")
def create_admin(
    email: Annotated[
        str | None, typer.Option(help="The admin's e-mail (default PAYAM_ADMIN_EMAIL).")
    ] = None,
    username: Annotated[str | None, typer.Option(help="Default PAYAM_ADMIN_USERNAME.")] = None,
    phone: Annotated[str | None, typer.Option(help="Default PAYAM_ADMIN_PHONE.")] = None,
    name: Annotated[str, typer.Option(help="The admin's display name.")] = "Administrator",
    if_missing: Annotated[
        bool,
        typer.Option(
            "--if-missing",
            help="Only if no SUPER_ADMIN exists; takes PAYAM_ADMIN_* and prints a generated "
            "password once when PAYAM_ADMIN_PASSWORD is unset.",
        ),
    ] = False,
) -> None:
    """Create a SUPER_ADMIN account (asks for the password)."""
    settings = get_settings()
    if if_missing:
        created = _run_or_explain(_ensure_admin())
        if created is None:
            typer.echo("A super admin already exists.")
        elif created[1] is not None:
            typer.echo(
                f"Created super admin {created[0]} with the password {created[1]} "
                "(shown once: change it after signing in)."
            )
        else:
            typer.echo(f"Created super admin {created[0]} (password from PAYAM_ADMIN_PASSWORD).")
        if created is not None and created[2] is not None:
            typer.echo(
                f"Put a {created[2]} package on sale for trying Payam "
                "(edit or deactivate it under Packages)."
            )
        return
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    login = _run_or_explain(
        _create_admin(
            email=email or settings.admin_email,
            username=username or settings.admin_username,
            phone=phone or settings.admin_phone,
            name=name,
            password=password,
        )
    )
    typer.echo(f"Created super admin {login}.")


ResultT = TypeVar("ResultT")


def _run_or_explain(work: Coroutine[Any, Any, ResultT]) -> ResultT:
    """Run ``work``; a refusal is told as a sentence and exit code 1, not a traceback."""
    from sqlalchemy.exc import DBAPIError

    from payam.kit.errors import PayamError

    try:
        return asyncio.run(work)
    except PayamError as error:
        reasons = "; ".join(f"{p.field or 'input'}: {p.reason}" for p in error.problems)
        typer.echo(f"Could not create the admin: {reasons}", err=True)
        raise typer.Exit(code=1) from error
    except (DBAPIError, OSError) as error:
        # Usually a database that is down or not yet migrated; the driver's first line says which.
        cause = str(getattr(error, "orig", None) or error).strip().splitlines() or [repr(error)]
        typer.echo(
            f"Could not create the admin: the database at PAYAM_DATABASE_URL is unreachable or "
            f"not migrated (run `payam migrate` first): {cause[0]}",
            err=True,
        )
        raise typer.Exit(code=1) from error


async def _create_admin(*, email: str, username: str, phone: str, name: str, password: str) -> str:
    from payam.admin.bootstrap import create_super_admin
    from payam.db.engine import engine_for
    from payam.db.session import create_sessionmaker, transaction

    settings = get_settings()
    engine = engine_for(settings)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            user = await create_super_admin(
                session,
                settings,
                email=email,
                password=password,
                name=name,
                username=username,
                phone=phone,
            )
            # Verified at creation, so no other account can have taken it over.
            assert user.email is not None
            return user.email
    finally:
        await engine.dispose()


async def _ensure_admin() -> tuple[str, str | None, str | None] | None:
    from payam.admin.bootstrap import ensure_super_admin
    from payam.db.engine import engine_for
    from payam.db.session import create_sessionmaker, transaction

    settings = get_settings()
    engine = engine_for(settings)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            created = await ensure_super_admin(session, settings)
            if created is None:
                return None
            assert created.user.email is not None  # verified at creation, as above
            return created.user.email, created.generated_password, created.starter_package
    finally:
        await engine.dispose()
