"""The API's documentation page, served whole by the hub so it works with no internet.

``GET /api/v1/docs`` is Swagger UI over ``/api/v1/openapi.json`` with its script, style and icon
served from ``/web/swagger/`` (vendored from the npm package ``swagger-ui-dist``; see
``hub/static/swagger/README.md``), never from a CDN.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from hub.errors import NotFound

SWAGGER = Path(__file__).parent / "static" / "swagger"
ASSETS = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
PREFIX = "/web/swagger/"


def install_api_docs(app: FastAPI, openapi_url: str, docs_url: str) -> None:
    """Add the docs page at ``docs_url`` and its assets under ``/web/swagger/``. The app must be
    made with ``docs_url=None`` (FastAPI's own page loads Swagger UI from a CDN)."""

    @app.get(docs_url, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — API",
            swagger_js_url=PREFIX + "swagger-ui-bundle.js",
            swagger_css_url=PREFIX + "swagger-ui.css",
            swagger_favicon_url=PREFIX + "favicon-32x32.png",
        )

    @app.get(PREFIX + "{name}", include_in_schema=False)
    def swagger_asset(name: str) -> Response:
        media = ASSETS.get(name)
        if media is None:
            raise NotFound("unknown_asset", "没有这个文件")
        body = (SWAGGER / name).read_bytes()
        return Response(body, media_type=media, headers={"Cache-Control": "max-age=86400"})
