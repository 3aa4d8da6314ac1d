"""The gateway's logs: its lines visible under uvicorn with level and logger
name, no emailed link's token in any line, and a bad setting told in one
line. The gateway is started with the uvicorn command DEVELOPMENT.md gives."""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from leadingtrusts.gateway.logs import RedactTokens
from leadingtrusts.gateway.storage import open_storage

from .conftest import ROOT
from .helpers import MEMBER, PASSWORD, SESSION_KEY, csrf_token
from .smtp_server import free_port

TOKEN = "live-link-Xq7v2N9w0pL4"


def access_record(path: str) -> logging.LogRecord:
    """A request line as uvicorn's HTTP protocol logs it."""
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 0, '%s - "%s %s HTTP/%s" %d',
                             ("203.0.113.9:50000", "GET", path, "1.1", 200), None)


def test_the_access_log_line_keeps_everything_but_the_token():
    record = access_record(f"/set-password?token={TOKEN}&from=email")
    assert RedactTokens().filter(record)
    line = AccessFormatter(fmt='%(client_addr)s - "%(request_line)s" %(status_code)s',
                           use_colors=False).format(record)
    assert line == '203.0.113.9:50000 - "GET /set-password?token=[redacted]&from=email HTTP/1.1" 200 OK'


def test_the_gateways_own_lines_never_carry_a_token(client, caplog):
    # client: create_app has run and installed the filter.
    with caplog.at_level(logging.INFO, logger="leadingtrusts.gateway"):
        logging.getLogger("leadingtrusts.gateway").warning(
            "link %s", f"https://members.example/set-password?token={TOKEN}")
    assert TOKEN not in caplog.text and "set-password?token=[redacted]" in caplog.text


# -- the command DEVELOPMENT.md gives --------------------------------------------------------


def documented_command() -> list[str]:
    """The `uvicorn --factory ...` line of DEVELOPMENT.md, as a list of arguments."""
    text = (ROOT / "DEVELOPMENT.md").read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith("uvicorn --factory ")]
    return shlex.split(line)


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    args = [sys.executable, "-m", "uvicorn", *command[1:]]
    args[args.index("--port") + 1] = str(port)
    args[args.index("--host") + 1] = "127.0.0.1"
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def gateway_env(site, tmp_path):
    database_url = f"sqlite://{tmp_path / 'private' / 'gateway.sqlite3'}"
    env = {**os.environ, "LT_MEMBERS_SITE": str(site.root), "LT_DATABASE_URL": database_url,
           "LT_AUDIT_LOG": str(tmp_path / "private" / "audit.jsonl"), "LT_SESSION_KEY": SESSION_KEY}
    for name in ("LT_MEMBERS_FILE", "LT_GATEWAY_MODE", "LT_TRUSTED_PROXIES", "LT_ALLOWED_HOSTS"):
        env.pop(name, None)
    return env


def test_the_documented_command_logs_sign_ins_but_no_token_and_sends_no_server_header(
        gateway_env, fast_hasher):
    storage = open_storage(gateway_env["LT_DATABASE_URL"])
    storage.add_member(MEMBER, fast_hasher.hash(PASSWORD))
    storage.add_invited_member("nadia@example.org")
    token = storage.create_token("nadia@example.org", "invite", timedelta(days=7))
    storage.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Plain http at loopback: development mode, so the cookies come back.
    env = {**gateway_env, "LT_GATEWAY_MODE": "development", "LT_MEMBERS_URL": base + "/"}
    server = start(documented_command(), env, port)
    try:
        with httpx.Client(base_url=base, timeout=10) as browser:
            health = wait_until_up(browser, server)
            assert "server" not in health.headers
            assert browser.get("/set-password", params={"token": token}).status_code == 200
            page = browser.get("/login")
            signed_in = browser.post("/login", data={"csrf_token": csrf_token(page.text),
                                                     "email": MEMBER, "password": PASSWORD})
            assert signed_in.status_code == 303
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    log = out + err
    assert token not in log
    assert '"GET /set-password?token=[redacted] HTTP/1.1" 200' in log
    assert re.search(rf"^INFO: +leadingtrusts\.gateway: signed in: {re.escape(MEMBER)} from 127\.0\.0\.1$",
                     err, re.MULTILINE), err


def wait_until_up(browser: httpx.Client, server: subprocess.Popen) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, server.communicate()
        try:
            return browser.get("/_gateway/health")
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.1)


def test_a_bad_setting_is_one_line_and_a_failing_exit_status(gateway_env):
    env = {**gateway_env, "LT_MEMBERS_URL": "https://members.example/", "LT_SESSION_KEY": "too short"}
    server = start(documented_command(), env, free_port())
    out, err = server.communicate(timeout=60)
    assert server.returncode == 3
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert re.fullmatch(r"ERROR: +leadingtrusts\.gateway: cannot start the gateway: "
                        r"LT_SESSION_KEY is too short \(9 characters\).*", lines[0])
