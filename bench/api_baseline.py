"""The bare baseline ``bench/api_bench.py`` measures Payam against: FastAPI on the same driver.

``GET /hello`` answers a constant; ``GET /replay/{name}`` runs, in one transaction on a pooled
connection, exactly the SQL statements (with their parameters) Payam ran for that route, as
``api_bench.py`` captured them, and answers their rows as JSON: no authentication, no ORM, no
validation, no middleware. It reads ``BENCH_DATABASE_URL``, ``BENCH_POOL_SIZE`` and
``BENCH_STATEMENTS`` (a pickle of ``{route name: [(statement, parameters), ...]}``). Run by
``api_bench.py`` as ``uvicorn api_baseline:create_app --factory --app-dir bench``.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from sqlalchemy.ext.asyncio import create_async_engine

Statements = dict[str, list[tuple[str, Any]]]


def create_app() -> FastAPI:
    url = os.environ["BENCH_DATABASE_URL"]
    statements: Statements = pickle.loads(  # noqa: S301 - the file api_bench.py wrote
        Path(os.environ["BENCH_STATEMENTS"]).read_bytes()
    )
    # Payam's pool (api_bench.py sets both); SQLite gets the driver's own, as plain apps do.
    pool_size = int(os.environ["BENCH_POOL_SIZE"])
    pooling = {} if url.startswith("sqlite") else {"pool_size": pool_size, "max_overflow": 0}
    engine = create_async_engine(url, **pooling)
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/replay/{name:path}")
    async def replay(name: str) -> Response:
        rows: list[list[Any]] = []
        async with engine.begin() as connection:
            for statement, parameters in statements[name]:
                result = await connection.exec_driver_sql(statement, parameters)
                if result.returns_rows:
                    rows.extend(list(row) for row in result.fetchall())
        return Response(json.dumps(rows, default=str), media_type="application/json")

    return app
