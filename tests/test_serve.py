"""`make serve`: the live preview shows each save, never member-only text, and survives mistakes.

Each test runs `python -m leadingtrusts serve` on a copy of the project, as an
editor would, and reads the pages over HTTP. How fast a save shows is printed
(run with -s to see it), not asserted: speed goals belong in benchmarks.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from servers import free_port

if TYPE_CHECKING:
    from projects import Project

NOW = "2026-11-24T12:00:00"  # before the deadline, as the other tests' builds

PRICING = "content/cohorts/cohort-3/pricing.yml"
PRICE_PAGE = "programme/price/"
PIECE = "docs/thinkpieces/posts/growth-that-lasts.md"
PIECE_PAGE = "thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for/"
# Generous: the machine is shared; the latency itself is printed, not asserted.
STARTUP_TIMEOUT = 90.0
CHANGE_TIMEOUT = 15.0


@dataclass
class Preview:
    """A running `leadingtrusts serve` and everything it has printed."""

    process: subprocess.Popen
    url: str
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def get(self, path: str) -> tuple[int, str]:
        """(status, text) of one served address."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=CHANGE_TIMEOUT) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, ""

    def page(self, path: str) -> str:
        status, text = self.get(path)
        assert status == 200, f"/{path} answered {status}\n{self.output}"
        return text

    def stop(self, sig: int = signal.SIGINT) -> None:
        """Signal the whole process group, as Ctrl-C in a terminal does."""
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass


def _wait_for(check: Callable[[], bool], timeout: float, what: str, preview: Preview) -> float:
    """Seconds until `check()` held; fails with the server's output after `timeout`."""
    started = time.perf_counter()
    while not check():
        assert preview.process.poll() is None, f"the preview exited\n{preview.output}"
        assert time.perf_counter() - started < timeout, \
            f"no {what} after {timeout}s\n{preview.output}"
        time.sleep(0.05)
    return time.perf_counter() - started


def _collect(preview: Preview) -> None:
    """Keep what the server prints, line by line, as the editor's terminal would."""
    for line in preview.process.stdout:
        preview.lines.append(line)


def _answers(preview: Preview) -> bool:
    try:
        return preview.get("")[0] == 200
    except OSError:
        return False


@pytest.fixture
def preview(project: Project) -> Iterator[Preview]:
    """`leadingtrusts serve` on a free port in the project copy, once its home page answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "leadingtrusts", "serve", "--port", str(port)], cwd=project.root,
        env=dict(os.environ, LT_NOW=NOW), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)
    running = Preview(process, f"http://127.0.0.1:{port}/")
    threading.Thread(target=_collect, args=(running,), daemon=True).start()
    try:
        _wait_for(lambda: _answers(running), STARTUP_TIMEOUT, "answer", running)
        yield running
    finally:
        running.stop(signal.SIGINT)  # lets MkDocs delete its temporary site
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            running.stop(signal.SIGKILL)
            process.wait()


def _reload_signal(preview: Preview, page: str) -> list[float]:
    """Poll MkDocs' live-reload address as an open tab of `page` does; the list gets the
    moment it was told to reload."""
    match = re.search(r"livereload\((\d+), (\d+)\);", page)
    assert match, "the served page has no live-reload script"
    epoch, tab = match.groups()
    told: list[float] = []

    def poll() -> None:
        if int(preview.page(f"livereload/{epoch}/{tab}")) > int(epoch):
            told.append(time.perf_counter())

    threading.Thread(target=poll, daemon=True).start()
    return told


def test_a_price_edit_reaches_the_open_page(project: Project, preview: Preview) -> None:
    page = preview.page(PRICE_PAGE)
    assert "£5,000" in page
    assert f"Live preview of the public site: {preview.url}" in preview.output
    told = _reload_signal(preview, page)
    time.sleep(0.5)  # the tab's poll is waiting for a change before the save
    assert not told

    saved = time.perf_counter()
    project.replace(PRICING, "amount: 5000", "amount: 5250")
    shown = _wait_for(lambda: "£5,250" in preview.page(PRICE_PAGE), CHANGE_TIMEOUT,
                      "new price", preview)
    _wait_for(lambda: bool(told), CHANGE_TIMEOUT, "reload signal", preview)
    print(f"\nsave -> new HTML served: {shown:.2f}s; "
          f"save -> open tab told to reload: {told[0] - saved:.2f}s")
    assert "£5,000" not in preview.page(PRICE_PAGE)


def test_a_member_only_piece_shows_its_edited_preview_and_nothing_else(
        project: Project, preview: Preview) -> None:
    status, _ = preview.get("members/")
    assert status == 404  # the members' area is not part of the public preview
    assert "Trusts are often described by their size." in preview.page(PIECE_PAGE)

    preview_words = "Edited while previewing: boards weigh purpose before size."
    member_words = "Only members read this sentence about capacity reviews."
    project.replace(PIECE, "Trusts are often described by their size.", preview_words)
    project.replace(PIECE, "Boards that set a target number", f"{member_words} Boards that set "
                    "a target number")

    _wait_for(lambda: preview_words in preview.page(PIECE_PAGE), CHANGE_TIMEOUT,
              "edited preview", preview)
    page = preview.page(PIECE_PAGE)
    served_tree = [p.read_text(encoding="utf-8", errors="replace")
                   for p in (project.root / "build" / "stage").rglob("*") if p.is_file()]
    for member_only in (member_words, "Size is an outcome, not a strategy",
                        "Four questions before any school joins"):
        assert member_only not in page
        assert not any(member_only in text for text in served_tree)


def test_a_mistake_is_reported_and_the_last_good_page_stays_until_fixed(
        project: Project, preview: Preview) -> None:
    line = project.line_of(PRICING, "amount:")
    project.replace(PRICING, "amount: 5000", "amount: lots")

    _wait_for(lambda: f"{PRICING}:{line}:" in preview.output, CHANGE_TIMEOUT, "problem", preview)
    problem = next(text for text in preview.output.splitlines() if text.startswith(PRICING))
    assert "lots" in problem and "Traceback" not in preview.output
    time.sleep(1.0)  # a rebuild would have started by now, had the mistake reached the tree
    assert "£5,000" in preview.page(PRICE_PAGE)
    assert preview.process.poll() is None

    project.replace(PRICING, "amount: lots", "amount: 5500")
    _wait_for(lambda: "£5,500" in preview.page(PRICE_PAGE), CHANGE_TIMEOUT, "fixed price", preview)
    assert "fixed: the preview shows your latest save again" in preview.output


def test_ctrl_c_stops_the_preview_and_its_dev_server(preview: Preview) -> None:
    group = preview.process.pid
    preview.stop(signal.SIGINT)
    assert preview.process.wait(timeout=30) == 0, preview.output

    def group_gone() -> bool:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        return False

    deadline = time.monotonic() + 15
    while not group_gone():
        assert time.monotonic() < deadline, f"the dev server outlived the preview\n{preview.output}"
        time.sleep(0.1)
    assert "Traceback" not in preview.output
    with pytest.raises(OSError):
        urllib.request.urlopen(preview.url, timeout=2)
