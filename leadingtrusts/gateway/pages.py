"""Rendering the gateway's own HTML pages from the Jinja templates."""

from __future__ import annotations

import functools
import hashlib
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
        self._env.globals["static_url"] = static_url

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

    def not_found(self, *, signed_in: bool) -> HTMLResponse:
        """404 with a way back: the members' sections and search for a member,
        sign-in for anyone else (without saying whether a member's page exists)."""
        return self.render("not_found.html", 404, signed_in=signed_in)


def static_url(name: str) -> str:
    """The address of one of the gateway's own files, changing with its content,
    so browsers may cache it for good (headers.py)."""
    return f"/_gateway/static/{name}?v={_static_versions()[name]}"


@functools.cache  # the files change only with a new release of the gateway
def _static_versions() -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in STATIC_DIR.iterdir() if path.is_file()}
