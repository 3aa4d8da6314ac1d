"""Shared fixtures: a throw-away copy of the project to edit and build."""

from __future__ import annotations

from pathlib import Path

import pytest

from projects import Project, copy_project, git_project


@pytest.fixture(scope="session")
def make_git_project():
    """A factory for `git_project`, usable from fixtures of any scope."""
    return git_project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """One untouched copy of the project, built once for both audiences."""
    built = copy_project(tmp_path_factory.mktemp("built") / "project")
    result = built.run("build")
    assert result.code == 0, result.output
    return built


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last: Playwright's sync API keeps an event loop running
    in the main thread for the rest of the session, which Starlette's TestClient
    cannot share."""
    items.sort(key=lambda item: "tests/browser/" in str(item.path))
