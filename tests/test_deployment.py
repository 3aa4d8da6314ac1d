"""Going live: the deployment's settings, the refusal to publish local ones, the
publish workflow's guards, and site folders a web server can read.

The branch a real publish produces is checked in tests/test_publish.py.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from leadingtrusts.errors import ContentError
from leadingtrusts.pipeline.context import Settings
from leadingtrusts.pipeline.publish import root_404_page, unreachable
from leadingtrusts.pipeline.sources import Project as SiteProject
from leadingtrusts.pipeline.stage import read_sources
from leadingtrusts.pipeline.verify import swap_into_place
from leadingtrusts.site.loading import load_file
from leadingtrusts.site.schema import DeploymentFile

from projects import BEFORE_DEADLINE, ROOT

DEPLOYMENT = "content/deployment.yml"
LIVE = {"LT_SITE_URL": "https://leadingtrusts.org.uk/",
        "LT_MEMBERS_URL": "https://members.leadingtrusts.org.uk/",
        "LT_CONTACT_EMAIL": "programme@leadingtrusts.org.uk"}
UNSET = dict.fromkeys(LIVE, "")  # as GitHub passes a repository variable that does not exist
WORKFLOWS = ROOT / ".github" / "workflows"
TRACEBACK = "Traceback (most recent call last)"


def run(root: Path, *args: str, env: dict[str, str] | None = None, umask: int | None = None
        ) -> subprocess.CompletedProcess[str]:
    """`python -m leadingtrusts ...` in `root`, as `make` runs it (optionally under a umask)."""
    environment = {**os.environ, "LT_NOW": BEFORE_DEADLINE, "NO_MKDOCS_2_WARNING": "1",
                   **UNSET, **(env or {})}
    command = [sys.executable, "-m", "leadingtrusts", *args]
    if umask is not None:
        command = ["sh", "-c", f'umask {umask:03o} && exec "$@"', "sh", *command]
    return subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True)


def set_deployment(project, **values: str) -> None:
    """Fill in settings of content/deployment.yml as an operator would."""
    for name, value in values.items():
        project.replace(DEPLOYMENT, f"\n{name}:\n", f"\n{name}: {value}\n")


# --- the settings ----------------------------------------------------------------

def test_a_build_with_nothing_set_uses_local_stand_ins_and_readable_folders(project):
    done = run(project.root, "build", umask=0o022)
    assert done.returncode == 0, done.stdout + done.stderr
    post = next((project.root / "site/public/thinkpieces").glob("growth-that-lasts*/index.html"))
    assert 'href="http://127.0.0.1:8001/thinkpieces/growth-that-lasts' in post.read_text()
    home = project.page("")
    assert '<link rel="canonical" href="https://leadingtrusts.example/">' in home
    assert "mailto:programme@leadingtrusts.example" in project.page("programme/apply/")
    # Served by a web server running as another user: every folder can be entered
    # and listed, every file read, by anyone.
    for audience in ("public", "members"):
        site = project.root / "site" / audience
        assert stat.S_IMODE(site.stat().st_mode) == 0o755
        for path in site.rglob("*"):
            mode = path.stat().st_mode
            wanted = 0o005 if path.is_dir() else 0o004
            assert mode & wanted == wanted, f"{path}: {stat.filemode(mode)}"


def test_the_settings_file_and_the_environment_over_it_reach_every_page(project):
    set_deployment(project, members_url="https://members.leadingtrusts.org.uk",
                   contact_email="hello@leadingtrusts.org.uk",
                   site_url="https://leadingtrusts.github.io/wrong/")
    done = run(project.root, "build", "--audience", "public",
               env={"LT_SITE_URL": "https://www.leadingtrusts.org.uk/"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert '<link rel="canonical" href="https://www.leadingtrusts.org.uk/">' in project.page("")
    post = next((project.root / "site/public/thinkpieces").glob("growth-that-lasts*/index.html"))
    assert 'href="https://members.leadingtrusts.org.uk/thinkpieces/growth-that-lasts' in \
        post.read_text()
    assert "mailto:hello@leadingtrusts.org.uk" in project.page("programme/apply/")
    feed = (project.root / "site/public/feed_rss_created.xml").read_text()
    assert "https://www.leadingtrusts.org.uk/thinkpieces/" in feed and "/wrong/" not in feed


def test_a_mistake_in_the_settings_file_is_one_line_at_its_file_and_line(project):
    set_deployment(project, members_url="members.leadingtrusts.org.uk")
    done = run(project.root, "check")
    line = project.line_of(DEPLOYMENT, "members_url: members")
    assert done.returncode == 1 and TRACEBACK not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"{DEPLOYMENT}:{line}:14: members_url: expected a web address such as "
        "`https://www.example.org.uk/` (no ? or #), found 'members.leadingtrusts.org.uk'"]


def test_a_mistaken_environment_variable_is_one_line_naming_it(project):
    done = run(project.root, "build", env={"LT_CONTACT_EMAIL": "programme at leadingtrusts"})
    assert done.returncode == 1 and TRACEBACK not in done.stderr
    problems = [line for line in done.stderr.splitlines() if "LT_CONTACT_EMAIL" in line]
    assert problems == ["environment variable LT_CONTACT_EMAIL: expected an email address, "
                        "e.g. `programme@example.org`, found 'programme at leadingtrusts'"]
    assert not (project.root / "site/public").exists()


@pytest.mark.parametrize("key, value, accepted", [
    ("site_url", "https://leadingtrusts.org.uk/", True),
    ("site_url", "https://leadingtrusts.github.io/programme-site", True),
    ("site_url", "leadingtrusts.org.uk", False),
    ("site_url", "https://leadingtrusts.org.uk/?page=1", False),
    ("members_url", "ftp://members.leadingtrusts.org.uk/", False),
    ("contact_email", "programme@leadingtrusts.org.uk", True),
    ("contact_email", "programme at leadingtrusts.org.uk", False),
    ("hosting", "github", False),
])
def test_editors_tools_and_the_build_agree_on_the_settings_file(tmp_path, key, value, accepted):
    text = (ROOT / DEPLOYMENT).read_text()
    text = text.replace(f"\n{key}:\n", f"\n{key}: {value}\n") if f"\n{key}:\n" in text \
        else text + f"{key}: {value}\n"
    (tmp_path / "deployment.yml").write_text(text)
    published = json.loads((ROOT / "content/schemas/deployment.schema.json").read_text())
    from_schema = list(Draft7Validator(published).iter_errors(yaml.safe_load(text)))
    try:
        load_file(tmp_path / "deployment.yml", DeploymentFile)
        from_build = []
    except ContentError as error:
        from_build = error.problems
    assert (not from_schema, not from_build) == (accepted, accepted)


# --- publish refuses a site no visitor can reach ----------------------------------

@pytest.mark.parametrize("host, kind", [
    ("127.0.0.1", "a loopback"), ("127.8.9.10", "a loopback"), ("::1", "a loopback"),
    ("::ffff:127.0.0.1", "a loopback"), ("localhost", "a loopback"), ("0.0.0.0", "a loopback"),
    ("LOCALHOST.", "a loopback"),
    ("leadingtrusts.example", "a placeholder"), ("site.invalid", "a placeholder"),
    ("a.b.test", "a placeholder"), ("app.localhost", "a placeholder"),
    ("example.com", "a placeholder"), ("www.example.org", "a placeholder"),
    ("example.net", "a placeholder"),
    ("leadingtrusts.org.uk", None), ("members.leadingtrusts.org.uk", None),
    ("leadingtrusts.github.io", None), ("examples.com", None), ("192.0.2.10", None),
])
def test_which_hosts_no_visitor_can_reach(host, kind):
    assert unreachable(host) == kind


@pytest.fixture(scope="module")
def repository(tmp_path_factory, make_git_project) -> Path:
    """A committed copy of the project with a gh-pages branch already published."""
    root = make_git_project(tmp_path_factory.mktemp("refusals") / "project")
    tree = subprocess.run(["git", "write-tree"], cwd=root, capture_output=True, text=True,
                          check=True).stdout.strip()
    commit = subprocess.run(["git", "commit-tree", tree, "-m", "published earlier"], cwd=root,
                            capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["git", "update-ref", "refs/heads/gh-pages", commit], cwd=root, check=True)
    return root


def branch(root: Path) -> str:
    return subprocess.run(["git", "rev-parse", "gh-pages"], cwd=root, capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.mark.parametrize("settings, refused", [
    ({}, ["site_url 'https://leadingtrusts.example/' (the local stand-in) is a placeholder",
          "members_url 'http://127.0.0.1:8001/' (the local stand-in) is a loopback",
          "contact_email 'programme@leadingtrusts.example' (the local stand-in) is a placeholder",
          "or as LT_SITE_URL, LT_MEMBERS_URL, LT_CONTACT_EMAIL"]),
    ({**LIVE, "LT_MEMBERS_URL": "http://localhost:8001/"},
     ["members_url 'http://localhost:8001/' (LT_MEMBERS_URL) is a loopback address; set it in "
      "content/deployment.yml or as LT_MEMBERS_URL"]),
    ({**LIVE, "LT_MEMBERS_URL": "http://[::1]:8001"}, ["'http://[::1]:8001/' (LT_MEMBERS_URL)"]),
    ({**LIVE, "LT_CONTACT_EMAIL": "enquiries@leadingtrusts.test"},
     ["contact_email 'enquiries@leadingtrusts.test' (LT_CONTACT_EMAIL) is a placeholder"]),
    ({**LIVE, "LT_SITE_URL": "http://leadingtrusts.org.uk/"},
     ["site_url 'http://leadingtrusts.org.uk/' (LT_SITE_URL) must start with https://"]),
    ({**LIVE, "LT_MEMBERS_URL": "https://leadingtrusts.org.uk/members/"},
     ["members_url 'https://leadingtrusts.org.uk/members/' (LT_MEMBERS_URL) is on the public "
      "site's host"]),
])
def test_publish_refuses_local_settings_in_one_line_before_building(repository, settings,
                                                                    refused):
    before = branch(repository)
    done = run(repository, "publish", env=settings)
    assert done.returncode == 1 and TRACEBACK not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("publish failed: not a live site's settings: ")
    assert line.endswith("; nothing was published")
    for phrase in refused:
        assert phrase in line
    assert branch(repository) == before
    assert not list((repository / "build").glob("stage/publish-*"))  # nothing was built


def test_publish_names_the_line_of_a_placeholder_in_the_settings_file(project):
    set_deployment(project, site_url="https://www.example.com/")
    line = project.line_of(DEPLOYMENT, "site_url: https")
    done = run(project.root, "publish", "--check-settings",
               env={"LT_MEMBERS_URL": LIVE["LT_MEMBERS_URL"],
                    "LT_CONTACT_EMAIL": LIVE["LT_CONTACT_EMAIL"]})
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"publish refused: not a live site's settings: site_url 'https://www.example.com/' "
        f"({DEPLOYMENT}:{line}) is a placeholder address; set it in {DEPLOYMENT} or as "
        "LT_SITE_URL (DEVELOPMENT.md, \"Going live\")")
    assert run(project.root, "publish", "--check-settings", env=LIVE).returncode == 0


def test_the_root_404_page_of_a_project_site_names_its_own_folder():
    settings = Settings(site_url="https://leadingtrusts.github.io/programme-site/",
                        members_url=LIVE["LT_MEMBERS_URL"],
                        contact_email=LIVE["LT_CONTACT_EMAIL"])
    page = root_404_page(settings, read_sources(SiteProject(ROOT))).decode()
    # GitHub Pages serves it at any depth, so the paths are absolute.
    assert 'window.location.replace("/programme-site/latest/404.html")' in page
    assert '<a href="/programme-site/latest/">' in page


# --- member-only sources in the repository ------------------------------------

def member_only_sources(root: Path) -> list[str]:
    """Read independently of the pipeline: docs/members/ and pieces marked `access: members`."""
    found = [p for p in (root / "docs/members").rglob("*") if p.is_file()]
    found += [p for p in (root / "docs").rglob("*.md")
              if re.search(r"^access:\s*members\s*$", p.read_text(), re.M)]
    return sorted({p.relative_to(root).as_posix() for p in found})


def test_member_files_lists_every_member_only_source(project):
    project.replace("docs/thinkpieces/posts/making-the-case.md", "access: public",
                    "access: members")
    expected = member_only_sources(project.root)
    assert "docs/thinkpieces/posts/making-the-case.md" in expected
    assert len([p for p in expected if p.startswith("docs/thinkpieces/")]) >= 2
    done = run(project.root, "member-files")
    assert done.returncode == 0 and done.stdout.splitlines() == expected
    refused = run(project.root, "member-files", "--fail-if-any")
    assert refused.returncode == 1 and refused.stdout.splitlines() == expected
    assert refused.stderr.strip() == f"error: {len(expected)} member-only source file(s), " \
                                     "listed above"


def test_member_files_is_content_with_a_public_only_site(project):
    for path in member_only_sources(project.root):
        if path.startswith("docs/members/"):
            (project.root / path).unlink()
        else:
            project.replace(path, "access: members", "access: public")
    done = run(project.root, "member-files", "--fail-if-any")
    assert (done.returncode, done.stdout) == (0, "")


# --- the publish workflow ----------------------------------------------------------

def workflow_jobs(name: str) -> dict[str, dict]:
    return yaml.safe_load((WORKFLOWS / name).read_text())["jobs"]


def publish_steps() -> list[dict]:
    (job,) = workflow_jobs("publish.yml").values()
    return job["steps"]


def step(steps: list[dict], words: str) -> tuple[int, dict]:
    (found,) = [(i, s) for i, s in enumerate(steps) if words in s.get("name", "")]
    return found


def run_step(script: str, root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A step's `run:` script, as the runner's bash runs it, in `root`."""
    return subprocess.run(["bash", "-e", "-c", script], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "LT_NOW": BEFORE_DEADLINE, **UNSET, **env})


@pytest.fixture
def checkout(project):
    """The project as the workflow sees it after `make .venv/.installed`."""
    (project.root / ".venv").symlink_to(ROOT / ".venv")
    return project


def test_the_workflow_refuses_a_public_repository_with_member_only_files(checkout):
    steps = publish_steps()
    at, guard = step(steps, "public repository")
    assert guard["if"].replace(" ", "") == "${{github.event.repository.private!=true}}"
    assert "member-files --fail-if-any" in guard["run"]
    assert at < step(steps, "make test")[0] < step(steps, "make publish")[0]
    done = run_step(guard["run"], checkout.root, {})
    assert done.returncode == 1
    assert done.stdout.splitlines()[:-1] == member_only_sources(checkout.root)
    assert done.stdout.splitlines()[-1].startswith("::error::This repository is public")


def test_the_workflow_names_the_repository_variables_to_set(checkout):
    steps = publish_steps()
    at, check = step(steps, "settings")
    assert at < step(steps, "make test")[0]
    for name in ("settings", "make build", "make publish"):
        assert step(steps, name)[1]["env"] == {v: f"${{{{ vars.{v} }}}}" for v in LIVE}
    done = run_step(check["run"], checkout.root, {"LT_SITE_URL": LIVE["LT_SITE_URL"]})
    assert done.returncode == 1
    assert "::error::Set the repository variables LT_MEMBERS_URL LT_CONTACT_EMAIL" in done.stdout
    assert run_step(check["run"], checkout.root, LIVE).returncode == 0


def test_pull_requests_warn_about_member_only_files_in_a_public_repository():
    (job,) = workflow_jobs("pull-request.yml").values()
    (warning,) = [s for s in job["steps"] if "github.event.repository.private != true" in
                  s.get("if", "")]
    assert "member-files --fail-if-any" in warning["run"] and "::warning::" in warning["run"]


# --- site folders get ordinary permissions ----------------------------------------

@pytest.mark.parametrize("umask, folder", [(0o022, 0o755), (0o027, 0o750), (0o002, 0o775)])
def test_a_swapped_in_site_has_the_mode_of_any_new_folder(tmp_path, umask, folder):
    previous = os.umask(umask)
    try:
        build = Path(tempfile.mkdtemp(prefix=".public-staging-", dir=tmp_path))  # 0700
        (build / "index.html").write_text("<p>Hello</p>")
        swap_into_place({build: tmp_path / "public"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "public").stat().st_mode) == folder
    assert stat.S_IMODE((tmp_path / "public/index.html").stat().st_mode) == 0o666 & ~umask
