"""The Nu Html Checker (vnu.jar from npm, `make checkers`) for the tests, and
the errors of Material's markup they accept.

Used by tests/test_html_validity.py (the builds, our stylesheets) and
tests/browser/test_accessibility.py (the gateway's pages)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from projects import ROOT

VNU_JAR = ROOT / "tests/checkers/node_modules/vnu-jar/build/dist/vnu.jar"


@dataclass(frozen=True)
class Allowed:
    """An error of Material's markup that the tests accept, and why."""
    message: str  # a regular expression the checker's message matches
    extract: str  # ... and one the quoted markup matches
    reason: str


MATERIAL_ERRORS_ALLOWED = [
    Allowed(r"Attribute “autocomplete” is only allowed when the input type is",
            r'class="md-toggle"',
            "Material's base.html puts autocomplete=\"off\" on its hidden checkboxes (drawer, search) "
            "so that a browser does not restore them open; they are never shown or announced."),
    Allowed(r"Bad value “” for attribute “tabindex” on element “label”",
            r'class="md-nav__link"',
            "Material's nav-item.html writes an empty tabindex on the navigation's section titles; "
            "browsers treat it as absent, so the titles are not focusable, as intended."),
    Allowed(r"The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control",
            r'for="__toc"',
            "Material's table of contents title is a label for its hidden toggle; a click target "
            "for pointers only, never a control to assistive technology."),
]


def run_vnu(*args: str | Path) -> list[dict]:
    """The checker's messages about the files or folders given (with its options)."""
    if not VNU_JAR.exists():
        pytest.fail(f"{VNU_JAR.relative_to(ROOT)} is missing: run `make checkers`")
    if not shutil.which("java"):
        pytest.fail("java is missing: run `make checkers`, which installs Debian's default-jre-headless")
    done = subprocess.run(["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
                           *map(str, args)], capture_output=True, text=True)
    return json.loads(done.stderr or done.stdout)["messages"]


def is_allowed(message: dict) -> bool:
    """Whether a message is one of Material's errors listed above."""
    return any(re.search(rule.message, message["message"])
               and re.search(rule.extract, message.get("extract", ""))
               for rule in MATERIAL_ERRORS_ALLOWED)


def describe(message: dict, root: Path) -> str:
    """A message as a line to read: file (relative to root) and line, what, and the markup."""
    where = message.get("url", "").removeprefix("file:")
    where = Path(where).relative_to(root) if where.startswith(str(root)) else where
    extract = " ".join(message.get("extract", "").split())
    return f"{where}:{message.get('lastLine', '?')}: {message['message']}\n    {extract}"
