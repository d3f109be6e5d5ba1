"""The FastAPI app behind the presswatch page (mounted by presswatch_airflow_plugin.py).

Read-only: GET routes only, over the published snapshot. Every value is escaped by Jinja2's
autoescape; links are rendered only for http(s) URLs. ``dependencies`` lets the Airflow plugin
require a logged-in Airflow user on every route.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, Response

TEMPLATES = Path(__file__).parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def safe_href(url: Any) -> str:
    """The URL if it is an absolute http(s) URL, else an empty string (rendered as text only)."""
    if not isinstance(url, str):
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else ""


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"], default=True))
    env.filters["href"] = safe_href
    env.filters["fmt"] = _fmt
    return env


def _dashboard() -> Any:
    from presswatch.settings import load_settings
    from presswatch.snapshot import read_manifest, snapshot_path
    from presswatch.web.data import load_dashboard

    settings = load_settings()
    return load_dashboard(snapshot_path(settings), read_manifest(settings))


def create_app(dependencies: list[Any] | None = None) -> FastAPI:
    app = FastAPI(title="presswatch", dependencies=dependencies or [], docs_url=None,
                  redoc_url=None, openapi_url=None)
    env = _environment()

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException) -> Response:
        if exc.status_code in (401, 403):
            page = env.get_template("login.html").render(status=exc.status_code)
            return HTMLResponse(page, status_code=exc.status_code, headers=SECURITY_HEADERS)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        from presswatch.web.chart import line_chart_svg

        d = _dashboard()
        chart = line_chart_svg(d.topics, d.end, title="topic attention, last 30 days")
        return HTMLResponse(env.get_template("index.html").render(d=d, chart=chart))

    @app.get("/summary.json")
    def summary() -> Response:
        d = _dashboard()
        body = {"snapshot": d.snapshot, "available": d.available, "published_at": d.published_at,
                "totals": d.totals, "feeds_by_status": d.feeds_by_status,
                "problem_feeds": d.problem_feeds, "daily": d.daily,
                "topics": {t: {k.isoformat(): v for k, v in s.items()} for t, s in d.topics.items()},
                "runs": d.runs}
        return Response(json.dumps(body, default=str), media_type="application/json")

    return app
