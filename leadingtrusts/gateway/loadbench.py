"""`make bench-members`: signed-in page fetches through the gateway, against the
same files served by Starlette's StaticFiles alone, measured in the same run.

Each side is one uvicorn process on 127.0.0.1 with the same options, started
and measured in turn; Debian's `wrk` (C, one thread, loadbench.lua) keeps
`--clients` connections busy fetching every page of the members' build in
turn, so the load generator costs the same on both sides and is never the
bottleneck. The gateway side uses a SQLite database and a session made by
signing in through the sign-in form.

    python -m leadingtrusts.gateway.loadbench [--site site/members] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from .addresses import UVICORN_OPTIONS
from .paths import GATEWAY_PREFIX

LUA_SCRIPT = Path(__file__).with_name("loadbench.lua")
# The targets: the gateway keeps at least this share of the bare file
# server's throughput, and its 99th percentile stays under this many ms.
TARGET_THROUGHPUT = 0.60
TARGET_P99_MS = 100.0
EMAIL = "bench@leadingtrusts.example"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Result:
    """What wrk measured for one side."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # connect, read, write and timeout errors
    not_ok: int  # answers other than 200

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


class BenchError(Exception):
    """The benchmark could not be run; str() says why."""


def page_paths(site: Path) -> list[str]:
    """The address of every page of the build (its index.html files)."""
    paths = sorted("/" + page.parent.relative_to(site).as_posix() + "/"
                   for page in site.rglob("index.html"))
    return [p.replace("/./", "/") for p in paths if not p.startswith(GATEWAY_PREFIX + "/")]


def run(site: Path, seconds: float, warmup: float, clients: int) -> tuple[Result, Result]:
    """(baseline, gateway), each measured for `seconds` after `warmup`."""
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed: run `make bench-members`, which installs it with apt")
    if not (site / "index.html").is_file():
        raise BenchError(f"no members' build at {site}: run `make build` first")
    with tempfile.TemporaryDirectory(prefix="lt-loadbench-") as folder:
        work = Path(folder)
        paths_file = work / "paths.txt"
        paths_file.write_text("\n".join(page_paths(site)) + "\n", encoding="utf-8")
        with _server("static", site, work) as base:
            _check_pages(base, paths_file, cookies={})
            baseline = _measure(base, paths_file, "", seconds, warmup, clients)
        with _server("gateway", site, work) as base:
            cookie = _sign_in(base, work / "password")
            _check_pages(base, paths_file, cookies={"lt_session": cookie})
            gateway = _measure(base, paths_file, f"lt_session={cookie}", seconds, warmup, clients)
    for name, result in (("StaticFiles", baseline), ("gateway", gateway)):
        if result.errors or result.not_ok:
            raise BenchError(f"{name}: {result.not_ok} answers other than 200 and "
                             f"{result.errors} socket errors out of {result.requests} requests")
    return baseline, gateway


def report(baseline: Result, gateway: Result, seconds: float, clients: int) -> str:
    ratio = gateway.per_second / baseline.per_second
    rows = [
        f"Signed-in page fetches: {clients} clients for {seconds:g} s per side on {HOST} "
        "(wrk; one uvicorn process per side)",
        f"  {'':34}{'requests/s':>11}{'p50 ms':>9}{'p99 ms':>9}",
    ]
    for name, result in (("StaticFiles alone (baseline)", baseline),
                         ("gateway, SQLite sessions", gateway)):
        rows.append(f"  {name:34}{result.per_second:11.1f}{result.p50_ms:9.2f}{result.p99_ms:9.2f}")
    rows += [
        f"  {'gateway throughput / baseline':34}{ratio:11.2f}   target at least "
        f"{TARGET_THROUGHPUT:.2f}: {_verdict(ratio >= TARGET_THROUGHPUT)}",
        f"  {'gateway p99 latency, ms':34}{gateway.p99_ms:11.2f}   target under "
        f"{TARGET_P99_MS:.0f}: {_verdict(gateway.p99_ms < TARGET_P99_MS)}",
    ]
    return "\n".join(rows)


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


# -- the two servers ------------------------------------------------------------


@contextmanager
def _server(kind: str, site: Path, work: Path) -> Iterator[str]:
    """One side in its own process; yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "leadingtrusts.gateway.loadbench", "--serve", kind,
               "--site", str(site), "--port", str(port), "--work", str(work)]
    process = subprocess.Popen(command)
    base = f"http://{HOST}:{port}"
    try:
        _wait_until_up(base + (f"{GATEWAY_PREFIX}/health" if kind == "gateway" else "/"), process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(kind: str, site: Path, port: int, work: Path) -> None:
    """Run one side in this process (the child of _server)."""
    import uvicorn
    from starlette.staticfiles import StaticFiles

    if kind == "static":
        app = StaticFiles(directory=site, html=True)
    else:
        app = _gateway_app(site, work)
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False, **UVICORN_OPTIONS)


def _gateway_app(site: Path, work: Path):
    from .accounts import AccountStore
    from .app import create_app
    from .settings import GatewaySettings
    from .storage import open_storage

    database_url = f"sqlite://{work / 'gateway.sqlite3'}"
    password = secrets.token_urlsafe(24)
    storage = open_storage(database_url)
    AccountStore(storage).add(EMAIL, password)
    storage.close()
    # Handed to the parent, which signs in with it like a member would.
    (work / "password").write_text(password, encoding="utf-8")
    # Development mode: the benchmark signs in over plain http at 127.0.0.1,
    # where production's cookies are Secure and would never come back. Serving
    # pages works the same in both modes.
    settings = GatewaySettings(site_dir=site, session_key=secrets.token_urlsafe(48), production=False,
                               database_url=database_url, audit_log=work / "audit.jsonl")
    return create_app(settings)


def _sign_in(base: str, password_file: Path) -> str:
    with httpx.Client(base_url=base) as browser:
        page = browser.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        browser.post("/login", data={"csrf_token": token, "email": EMAIL,
                                     "password": password_file.read_text(encoding="utf-8")})
        cookie = browser.cookies.get("lt_session")
    if not cookie:
        raise BenchError("could not sign in to the gateway")
    return cookie


def _check_pages(base: str, paths_file: Path, cookies: dict[str, str]) -> None:
    """Every page answers 200 before anything is measured."""
    with httpx.Client(base_url=base, cookies=cookies) as client:
        for path in paths_file.read_text(encoding="utf-8").split():
            status = client.get(path).status_code
            if status != 200:
                raise BenchError(f"{base}{path} answered {status}, not 200")


def _measure(base: str, paths_file: Path, cookie: str, seconds: float, warmup: float,
             clients: int) -> Result:
    if warmup:
        _wrk(base, paths_file, cookie, warmup, clients)
    return _wrk(base, paths_file, cookie, seconds, clients)


def _wrk(base: str, paths_file: Path, cookie: str, seconds: float, clients: int) -> Result:
    command = ["wrk", "--threads", "1", "--connections", str(clients),
               "--duration", f"{max(1, round(seconds))}s", "--timeout", "5s",
               "--script", str(LUA_SCRIPT), base + "/", "--", str(paths_file), cookie]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise BenchError(f"wrk failed: {(done.stderr or done.stdout).strip()}")
    return Result(**json.loads(lines[-1]))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the server for {url} stopped (exit code {process.returncode})")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise BenchError(f"{url} did not answer within {timeout:g} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadingtrusts.gateway.loadbench",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=Path("site/members"),
                        help="the members' build (default: site/members)")
    parser.add_argument("--seconds", type=float, default=10, help="measured per side (default: 10)")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured, before each side")
    parser.add_argument("--clients", type=int, default=20, help="concurrent connections (default: 20)")
    parser.add_argument("--serve", choices=("static", "gateway"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.site.resolve(), args.port, args.work)
        return 0
    try:
        baseline, gateway = run(args.site.resolve(), args.seconds, args.warmup, args.clients)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report(baseline, gateway, args.seconds, args.clients))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
