"""Rendering the gateway's own HTML pages from the Jinja templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.responses import HTMLResponse

from .headers import GATEWAY_CSP

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


class Pages:
    def __init__(self, public_site_url: str) -> None:
        # autoescape=True for every template, whatever its name: emails and
        # `next` values typed by visitors are echoed back into these pages.
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self._env.globals["public_site_url"] = public_site_url

    def render(
        self,
        template: str,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        html = self._env.get_template(template).render(**context)
        return HTMLResponse(
            html,
            status_code=status_code,
            headers={"content-security-policy": GATEWAY_CSP, **(headers or {})},
        )

    def message(
        self, title: str, text: str, status_code: int, headers: dict[str, str] | None = None
    ) -> HTMLResponse:
        return self.render("message.html", status_code, headers, title=title, text=text)
