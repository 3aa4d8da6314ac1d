"""The local demo."""

from __future__ import annotations

import pytest

from leadingtrusts.gateway import GatewayConfigError, demo


def test_demo_account_gets_a_fresh_password_each_run(tmp_path, fast_hasher):
    path = tmp_path / ".local" / "members.sqlite3"
    store, first = demo.prepare_demo_account(path, fast_hasher)
    assert store.list() == [demo.DEMO_EMAIL]
    assert store.verify(demo.DEMO_EMAIL, first)
    fresh, second = demo.prepare_demo_account(path, fast_hasher)
    assert second != first
    assert fresh.verify(demo.DEMO_EMAIL, second)
    assert not fresh.verify(demo.DEMO_EMAIL, first)
    assert first.encode() not in path.read_bytes() and second.encode() not in path.read_bytes()
    store.storage.close()
    fresh.storage.close()


def test_run_demo_prints_credentials_and_serves_in_development_mode(tmp_path, site, monkeypatch, capsys):
    import uvicorn

    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    demo.run_demo(site.root, port=8123)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/" in out
    assert demo.DEMO_EMAIL in out
    password = out.split("Password:")[1].split()[0]
    (app, kwargs), = calls
    assert {"host": "127.0.0.1", "port": 8123, "server_header": False}.items() <= kwargs.items()
    assert not app.state.settings.production
    assert (tmp_path / ".local" / "members.sqlite3").exists()
    assert app.state.accounts.verify(demo.DEMO_EMAIL, password)


def test_run_demo_without_a_build_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GatewayConfigError, match="build the site first"):
        demo.run_demo(tmp_path / "missing")
