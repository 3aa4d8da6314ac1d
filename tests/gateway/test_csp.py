"""Content-Security-Policy: the members' inline scripts allowed by hashes found
at build time, never by 'unsafe-inline'; the gateway's own pages allow no script."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from leadingtrusts.pipeline.csp import SCRIPT_HASHES_FILE, inline_scripts, script_hash, write_script_hashes

from .helpers import signed_in_client

PAGE = """<!doctype html><html><head>
<script>var palette = 1;</script>
<script type="application/ld+json">{"@type": "Course"}</script>
<script id="__config" type="application/json">{"base": "."}</script>
<script src="assets/javascripts/bundle.js"></script>
</head><body><p>text</p>
<script type="text/javascript">
  if (a < b && c) { document.title = "</p>"; }
</script>
<script type="module">import "./x.js";</script>
</body></html>
"""


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # Policies do not depend on the database: SQLite alone keeps these quick.
    return f"sqlite://{tmp_path / 'private' / 'gateway.sqlite3'}"


def script_src(response) -> list[str]:
    directives = dict(
        (d.strip().split(" ", 1) + [""])[:2] for d in response.headers["content-security-policy"].split(";")
    )
    return directives["script-src"].split()


def test_only_scripts_a_browser_runs_are_hashed():
    assert inline_scripts(PAGE) == [
        "var palette = 1;",
        '\n  if (a < b && c) { document.title = "</p>"; }\n',
        'import "./x.js";',
    ]


def test_crlf_pages_hash_as_the_browser_reads_them():
    assert inline_scripts("<script>a;\r\nb;</script>") == ["a;\nb;"]


def test_every_page_of_the_build_is_hashed_once(tmp_path):
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "index.html").write_text("<script>var palette = 1;</script><script>other()</script>")
    written = json.loads(write_script_hashes(tmp_path).read_text())["script-src"]
    expected = {script_hash(s) for s in inline_scripts(PAGE)} | {script_hash("other()")}
    assert sorted(written) == sorted(expected) and len(written) == 4
    assert all(h.startswith("'sha256-") and h.endswith("='") for h in written)


def test_members_pages_allow_exactly_the_builds_scripts(make_client, site):
    (site.root / "thinkpieces" / "x" / "index.html").write_text(PAGE)
    write_script_hashes(site.root)
    response = signed_in_client(make_client).get("/thinkpieces/x/")
    allowed = script_src(response)
    assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed
    assert set(allowed) == {"'self'"} | {script_hash(s) for s in inline_scripts(PAGE)}
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_a_rebuild_is_followed_without_a_restart(make_client, site):
    client = signed_in_client(make_client)
    write_script_hashes(site.root)
    before = script_src(client.get("/"))
    (site.root / "index.html").write_text("<script>rebuilt()</script>")
    hashes = write_script_hashes(site.root)
    os.utime(hashes, ns=(1, 1))  # a different file even within the clock's resolution
    after = script_src(client.get("/"))
    assert script_hash("rebuilt()") in after and script_hash("rebuilt()") not in before


def test_without_hashes_no_inline_script_runs(make_client, caplog):
    client = signed_in_client(make_client)  # the fake build has no hashes file
    assert script_src(client.get("/")) == ["'self'"]
    assert SCRIPT_HASHES_FILE in caplog.text and "make build" in caplog.text


def test_a_damaged_hashes_file_gives_the_strictest_policy(make_client, site):
    (site.root / SCRIPT_HASHES_FILE).parent.mkdir()
    (site.root / SCRIPT_HASHES_FILE).write_text('{"script-src": ["\'unsafe-inline\'"]}')
    assert script_src(signed_in_client(make_client).get("/")) == ["'self'"]


@pytest.mark.parametrize("url", ["/login", "/logout", "/_gateway/nothing", "/thinkpieces/x/",
                                 "/_gateway/health"])
def test_gateway_responses_allow_no_script(client, url):
    # Signed out, "/thinkpieces/x/" is the gateway's redirect, not the page.
    csp = client.get(url).headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'none'" in csp


def test_a_refused_host_gets_a_policy_too(client):
    response = client.get("/login", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "default-src 'none'" in response.headers["content-security-policy"]
