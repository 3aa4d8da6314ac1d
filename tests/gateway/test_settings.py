"""Configuration from the environment, and refusing to start when unsafe."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from leadingtrusts.gateway import GatewayConfigError, GatewaySettings, create_app

GOOD_KEY = "s" * 40


def test_production_without_a_session_key_refuses_to_start():
    with pytest.raises(GatewayConfigError) as info:
        GatewaySettings.from_env({"LT_MEMBERS_FILE": "/srv/lt/members.json"})
    message = str(info.value)
    assert "LT_SESSION_KEY" in message
    assert "\n" not in message


def test_production_with_a_short_key_refuses_to_start():
    with pytest.raises(GatewayConfigError, match="too short"):
        GatewaySettings.from_env({"LT_MEMBERS_FILE": "/srv/m.json", "LT_SESSION_KEY": "short-key"})


def test_production_is_the_default_mode():
    settings = GatewaySettings.from_env({"LT_MEMBERS_FILE": "/srv/m.json", "LT_SESSION_KEY": GOOD_KEY})
    assert settings.production
    assert settings.site_dir == Path("site/members")
    assert settings.members_file == Path("/srv/m.json")
    assert settings.session_key == GOOD_KEY
    assert settings.session_max_age == 8 * 60 * 60
    # The deployment's public site (here its local stand-in), never "/": on
    # the gateway that is the members' home, which loops to the sign-in page.
    assert settings.public_site_url == "https://leadingtrusts.example/"


def test_database_defaults_to_a_file_outside_the_repository(tmp_path):
    settings = GatewaySettings.from_env({"LT_SESSION_KEY": GOOD_KEY, "XDG_STATE_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite://{tmp_path}/leadingtrusts/gateway.sqlite3"
    assert settings.audit_log == tmp_path / "leadingtrusts" / "audit.jsonl"
    assert settings.members_file is None
    assert settings.session_idle_timeout == 2 * 60 * 60


def test_database_audit_log_and_idle_timeout_are_read():
    settings = GatewaySettings.from_env({
        "LT_SESSION_KEY": GOOD_KEY, "LT_DATABASE_URL": "postgresql://gw@db.internal/lt",
        "LT_AUDIT_LOG": "/var/log/lt/audit.jsonl", "LT_SESSION_IDLE_MINUTES": "30",
        "LT_MEMBERS_FILE": "/srv/lt/members.json",
    })
    assert settings.database_url == "postgresql://gw@db.internal/lt"
    assert settings.audit_log == Path("/var/log/lt/audit.jsonl")
    assert settings.session_idle_timeout == 30 * 60
    assert settings.members_file == Path("/srv/lt/members.json")


def test_idle_timeout_must_be_a_whole_number():
    with pytest.raises(GatewayConfigError, match="LT_SESSION_IDLE_MINUTES"):
        GatewaySettings.from_env({"LT_SESSION_KEY": GOOD_KEY, "LT_SESSION_IDLE_MINUTES": "soon"})


def test_unknown_mode_is_refused():
    with pytest.raises(GatewayConfigError, match="LT_GATEWAY_MODE"):
        GatewaySettings.from_env({"LT_MEMBERS_FILE": "/m.json", "LT_GATEWAY_MODE": "staging"})


def test_development_mode_generates_a_key_and_warns(caplog):
    env = {"LT_MEMBERS_FILE": "/m.json", "LT_GATEWAY_MODE": "development"}
    with caplog.at_level(logging.WARNING, logger="leadingtrusts.gateway"):
        first = GatewaySettings.from_env(env)
        second = GatewaySettings.from_env(env)
    assert not first.production
    assert len(first.session_key) >= 32
    assert first.session_key != second.session_key
    assert "restart" in caplog.text


def test_all_variables_are_read():
    settings = GatewaySettings.from_env({
        "LT_MEMBERS_SITE": "/srv/site/members",
        "LT_MEMBERS_FILE": "/srv/members.json",
        "LT_SESSION_KEY": GOOD_KEY,
        "LT_GATEWAY_MODE": "production",
        "LT_PUBLIC_SITE_URL": "https://leadingtrusts.example/",
    })
    assert settings.site_dir == Path("/srv/site/members")
    assert settings.public_site_url == "https://leadingtrusts.example/"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example", "ftp://x.example/"])
def test_unsafe_public_site_url_is_refused(url):
    with pytest.raises(GatewayConfigError, match="LT_PUBLIC_SITE_URL"):
        GatewaySettings.from_env({"LT_MEMBERS_FILE": "/m.json", "LT_SESSION_KEY": GOOD_KEY,
                                  "LT_PUBLIC_SITE_URL": url})


def test_settings_built_in_code_follow_the_same_rules(tmp_path):
    with pytest.raises(GatewayConfigError):
        GatewaySettings(site_dir=tmp_path, members_file=tmp_path / "m.json", session_key="")
    with pytest.raises(GatewayConfigError):
        GatewaySettings(site_dir=tmp_path, members_file=tmp_path / "m.json", session_key="short")


def test_settings_are_frozen(tmp_path):
    settings = GatewaySettings(site_dir=tmp_path, members_file=tmp_path / "m.json", session_key=GOOD_KEY)
    with pytest.raises(AttributeError):
        settings.production = False  # type: ignore[misc]


def test_create_app_without_a_build_refuses_to_start(tmp_path):
    settings = GatewaySettings(site_dir=tmp_path / "missing", members_file=tmp_path / "m.json",
                               session_key=GOOD_KEY)
    with pytest.raises(GatewayConfigError, match="build the site first"):
        create_app(settings)


def settings_database_url(tmp_path) -> str:
    return f"sqlite://{tmp_path / 'private' / 'env.sqlite3'}"


def test_create_app_reads_the_environment(monkeypatch, site, tmp_path):
    monkeypatch.setenv("LT_MEMBERS_SITE", str(site.root))
    monkeypatch.setenv("LT_DATABASE_URL", settings_database_url(tmp_path))
    monkeypatch.delenv("LT_SESSION_KEY", raising=False)
    monkeypatch.delenv("LT_GATEWAY_MODE", raising=False)
    with pytest.raises(GatewayConfigError, match="LT_SESSION_KEY"):
        create_app()
    monkeypatch.setenv("LT_SESSION_KEY", GOOD_KEY)
    assert create_app().state.settings.site_dir == site.root


@pytest.mark.parametrize("inside", ["database", "audit log"])
def test_database_or_audit_log_inside_the_build_is_refused(site, inside):
    database = site.root / "gateway.sqlite3" if inside == "database" else site.root.parent / "db.sqlite3"
    audit = site.root / "audit.jsonl" if inside == "audit log" else None
    settings = GatewaySettings(site_dir=site.root, session_key=GOOD_KEY,
                               database_url=f"sqlite://{database}", audit_log=audit)
    with pytest.raises(GatewayConfigError, match=f"the {inside} .* is inside the members' build"):
        create_app(settings)
    assert not database.exists()


def test_accounts_file_inside_the_build_is_refused(site):
    settings = GatewaySettings(site_dir=site.root, members_file=site.root / "members.json",
                               session_key=GOOD_KEY)
    with pytest.raises(GatewayConfigError, match="inside the members' build"):
        create_app(settings)
