"""`make serve`: a live preview of the public site, made by the same stage as `make build`.

    content/ docs/ overrides/ macros.py mkdocs.yml --(this process: re-stage on each save)-->
    build/stage/preview/ --(MkDocs' own dev server, a child process)--> the browser

This process stages the public tree and stages it again whenever a source
changes. MkDocs' dev server serves that tree, rebuilds when a staged file
changes and tells the open browser tab to reload. The stage rewrites only the
files whose text changed, so a save that changes nothing shown rebuilds nothing.

A mistake while editing stops the stage before it changes the tree, so the last
good preview keeps being served while the problem is printed; the next good save
brings it up to date. Member-only text cannot reach the preview: it is served
from a public tree, which has no members' pages and only the previews of
member-only thinkpieces.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from ..errors import ContentError, display_path
from .context import Settings, build_time
from .engine import engine_command
from .sources import SITE_SOURCES, Project
from .stage import pick_context, read_sources, write_tree

# Its own staging folder, so a `make build` during `make serve` cannot rewrite
# (or delete) files the dev server is reading.
PREVIEW_STAGE = "preview"
# Editors save in bursts (a temporary file, a rename, a touch); stage once it is quiet.
QUIET_SECONDS = 0.2
# Reading the sources opens them; only events that change a file matter.
_CHANGES = frozenset({"created", "deleted", "modified", "moved"})
STOP_GRACE_SECONDS = 3.0


class SourceWatcher(FileSystemEventHandler):
    """Notices saves to the site's sources (SITE_SOURCES), and nothing else under the root."""

    def __init__(self, project: Project):
        super().__init__()
        self.project = project
        self.changed = threading.Event()
        self.observer = Observer()

    def start(self) -> None:
        """Watch each source folder recursively, and the root for the source files."""
        root = self.project.root
        for name in SITE_SOURCES:
            if (root / name).is_dir():
                self.observer.schedule(self, str(root / name), recursive=True)
        # Not recursive: .venv/, build/ and site/ sit here too and are no source.
        self.observer.schedule(self, str(root), recursive=False)
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=STOP_GRACE_SECONDS)

    def on_any_event(self, event: FileSystemEvent) -> None:
        """Flag a change when an event touches a source file."""
        if event.event_type not in _CHANGES:
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(path and self._is_source(Path(os.fsdecode(path))) for path in paths):
            self.changed.set()

    def _is_source(self, path: Path) -> bool:
        """Whether `path` is one of the site's sources (a compiled cache is not)."""
        try:
            parts = path.relative_to(self.project.root).parts
        except ValueError:
            return False
        return bool(parts) and parts[0] in SITE_SOURCES and "__pycache__" not in parts

    def wait_for_quiet_change(self, timeout: float) -> bool:
        """True once something changed and then nothing more for QUIET_SECONDS."""
        if not self.changed.wait(timeout):
            return False
        self.changed.clear()
        while self.changed.wait(QUIET_SECONDS):
            self.changed.clear()
        return True


class PreviewStage:
    """The public tree the dev server serves, staged again after each save."""

    def __init__(self, project: Project):
        self.project = project
        self.root = project.stage_dir(PREVIEW_STAGE)
        self.failing = False

    def update(self) -> bool:
        """Stage the public tree; on a mistake print it and leave the last good tree."""
        try:
            sources = read_sources(self.project)
            context = pick_context(sources, "public", None, build_time(), Settings.load(self.project.root))
            write_tree(sources, context, self.root)
        except ContentError as error:
            self._report([str(problem) for problem in error.problems])
            return False
        except Exception as error:  # noqa: BLE001 - a half-typed macros.py must not end it
            self._report([_one_line(error)])
            return False
        if self.failing:
            _say("fixed: the preview shows your latest save again")
        self.failing = False
        return True

    def _report(self, lines: list[str]) -> None:
        for line in lines:
            print(line, file=sys.stderr, flush=True)
        print(f"preview not updated ({len(lines)} problem(s) above); "
              "still showing the last good version", file=sys.stderr, flush=True)
        self.failing = True


def _one_line(error: Exception) -> str:
    """An unexpected staging error as one line, located when Python knows where."""
    if isinstance(error, SyntaxError) and error.filename:
        where = f"{display_path(error.filename)}:{error.lineno}"
        where += f":{error.offset}" if error.offset else ""
        return f"{where}: {error.msg}"
    return f"the preview could not be staged: {type(error).__name__}: {error}"


def _say(line: str) -> None:
    print(line, flush=True)


def _port_taken(host: str, port: int) -> bool:
    """Whether something already listens on host:port (so MkDocs would fail after its build)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As the dev server's own socket does, so a port in TIME_WAIT counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def preview_url(host: str, port: int, settings: Settings) -> str:
    """Where the dev server serves the site (under the path of the deployed address)."""
    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{port}{urlsplit(settings.site_url).path or '/'}"


def start_dev_server(project: Project, tree: Path, host: str, port: int) -> subprocess.Popen:
    """MkDocs' dev server on the staged tree, reloading the browser when it changes."""
    # Not strict: a warning is printed, yet the page still updates; `make build` fails on it.
    command = [*engine_command("mkdocs", project), "serve",
               "--config-file", str(tree / "mkdocs.yml"), "--dev-addr", f"{host}:{port}",
               "--livereload", "--no-strict", "--watch", str(tree / "overrides")]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
    # Same process group: Ctrl-C in the terminal reaches the dev server too.
    return subprocess.Popen(command, cwd=tree, env=env)


def stop_dev_server(server: subprocess.Popen, interrupted: bool) -> None:
    """Stop the dev server: it got the same Ctrl-C when `interrupted`, else interrupt it;
    terminate, then kill, whatever lingers."""
    # SIGINT first: on it MkDocs shuts down cleanly and deletes its temporary site.
    first = (lambda: None) if interrupted else (lambda: server.send_signal(signal.SIGINT))
    for step in (first, server.terminate, server.kill):
        if server.poll() is not None:
            return
        step()
        try:
            server.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            continue


class Terminated(Exception):
    """The preview was asked to stop with SIGTERM."""


def _stop_on_sigterm() -> None:
    """Make a SIGTERM end the preview (and so the dev server) instead of orphaning it."""
    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    signal.signal(signal.SIGTERM, terminate)


class LivePreview:
    """The stage, the watcher and the dev server of one `make serve`."""

    def __init__(self, project: Project, host: str, port: int):
        self.project, self.host, self.port = project, host, port
        self.stage = PreviewStage(project)
        self.watcher = SourceWatcher(project)
        self.server: subprocess.Popen | None = None

    def run(self) -> int:
        """Stage, start the dev server once there is a good tree, re-stage on every save."""
        self.watcher.start()
        ready = self.stage.update()
        if not ready:
            _say("waiting for a fix before starting the preview")
        while True:
            if ready and self.server is None:
                self._start_server()
            if self.server is not None and self.server.poll() is not None:
                print(f"error: the MkDocs dev server stopped (exit code {self.server.returncode})",
                      file=sys.stderr)
                return self.server.returncode or 1
            if self.watcher.wait_for_quiet_change(timeout=0.5):
                ready = self.stage.update() or ready

    def _start_server(self) -> None:
        self.server = start_dev_server(self.project, self.stage.root, self.host, self.port)
        url = preview_url(self.host, self.port, Settings.load(self.project.root))
        _say(f"Live preview of the public site: {url} "
             f"(edits to {', '.join(SITE_SOURCES)} show as you save; Ctrl-C stops)")

    def close(self, interrupted: bool) -> None:
        """Stop watching and stop the dev server."""
        self.watcher.stop()
        if self.server is not None:
            stop_dev_server(self.server, interrupted)


def serve(project: Project, host: str = "127.0.0.1", port: int = 8000) -> int:
    """`make serve`: a live preview of the public site until Ctrl-C. Returns an exit code."""
    if _port_taken(host, port):
        print(f"error: {host}:{port} is already in use; stop what runs there or choose "
              "another --port", file=sys.stderr)
        return 1
    _stop_on_sigterm()
    preview = LivePreview(project, host, port)
    interrupted = False
    try:
        return preview.run()
    except (KeyboardInterrupt, Terminated) as stop:
        interrupted = isinstance(stop, KeyboardInterrupt)
        _say("stopping the preview")
        return 0
    finally:
        preview.close(interrupted)
