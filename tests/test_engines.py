"""The same staged trees, built by other engines, publish the same pages and no member text.

The stage (leadingtrusts/pipeline/stage.py) gives an engine only what its
audience may see, so the promise that member-only text stays out of the
public site must hold whichever engine builds it, and whatever plugins it runs:
MkDocs, ProperDocs (the maintained MkDocs 1.x fork), Zensical, or MkDocs with
no plugin but search.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from leadingtrusts.pipeline.engine import (CHECKOUT, ENGINES, ZENSICAL_VENV, Engine, start_build,
                                           venv_python)
from leadingtrusts.pipeline.leakcheck import LeakIndex, scan_site, words_of
from leadingtrusts.pipeline.run import build
from leadingtrusts.pipeline.sources import Project
from leadingtrusts.pipeline.stage import read_sources

PROGRAMME_PAGES = ("index.html", "programme/schedule/index.html", "programme/price/index.html",
                   "programme/apply/index.html")
MEMBER_ONLY_POSTS = ("growth-that-lasts", "governance-that-spreads")  # docs/thinkpieces/posts/
_ARTICLE = re.compile(r"<article\b[^>]*>(.*?)</article>", re.S)
_GENERATOR = re.compile(r'<meta name="generator" content="([^"]*)"')


def page_paths(site: Path) -> list[str]:
    """Every page of a built site, as the path of its index.html."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))


def article_words(page: Path) -> list[str]:
    """The words of a page's main text (its <article>), whatever the theme put around it."""
    found = _ARTICLE.search(page.read_text(encoding="utf-8"))
    assert found, f"{page} has no <article>"
    return words_of(re.sub(r"<[^>]*>", " ", found.group(1)))


def generator(page: Path) -> str:
    """What the page says built it (Material writes the engine's name and version)."""
    found = _GENERATOR.search(page.read_text(encoding="utf-8"))
    return found.group(1) if found else ""


def copy_staged_tree(built, audience: str, target: Path) -> Path:
    """A copy of one audience's staged tree, as the build left it."""
    return Path(shutil.copytree(built.path(f"build/stage/{audience}"), target))


def with_plain_plugins(tree: Path) -> Path:
    """Reduce the staged configuration's plugins to MkDocs' own search; returns the tree."""
    config_file = tree / "mkdocs.yml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["plugins"] = ["search"]
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return tree


def zensical_unavailable() -> str | None:
    """Why Zensical cannot run here (quoting its failed install), or None when it can."""
    venv = CHECKOUT / ZENSICAL_VENV
    if (venv / ".installed").is_file():
        return None
    log = venv / "install.log"
    lines = log.read_text(encoding="utf-8").splitlines() if log.is_file() else []
    errors = [line for line in lines if line.startswith("ERROR")]
    why = (errors[-1] if errors else f"its install did not finish (see {log})" if lines
           else "no install was attempted")
    return f"Zensical is not installed (make {ZENSICAL_VENV}/.installed): {why}"


# --- fixtures: one build per engine ----------------------------------------------

@pytest.fixture(scope="module")
def leak_index(built) -> LeakIndex:
    """Every run of member-only words in the built project's sources."""
    index = LeakIndex.from_texts(read_sources(Project(built.root)).member_texts())
    assert len(index) > 200  # so a clean scan means something
    return index


@pytest.fixture(scope="module")
def properdocs_sites(built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both audiences of the `built` project, built again by ProperDocs."""
    sites = tmp_path_factory.mktemp("properdocs")
    result = built.run("build", "--engine", "properdocs", "--site-dir", str(sites))
    assert result.code == 0, result.output
    return sites


@pytest.fixture(scope="module")
def zensical_site(built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The staged public tree built by Zensical (in a copy: it writes inside the project)."""
    reason = zensical_unavailable()
    if reason:
        pytest.skip(reason)
    python = venv_python(ZENSICAL_VENV, Project(built.root))
    tree = copy_staged_tree(built, "public", tmp_path_factory.mktemp("zensical") / "public")
    done = subprocess.run([str(python.parent / "zensical"), "build"], cwd=tree,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    config = yaml.safe_load((tree / "mkdocs.yml").read_text(encoding="utf-8"))
    return tree / config["site_dir"]


# --- ProperDocs ---------------------------------------------------------------------

@pytest.mark.parametrize("audience", ["public", "members"])
def test_properdocs_builds_the_same_pages_as_mkdocs(built, properdocs_sites, audience):
    mkdocs_site, properdocs_site = built.path(f"site/{audience}"), properdocs_sites / audience
    assert "ProperDocs" in generator(properdocs_site / "index.html")
    assert "ProperDocs" not in generator(mkdocs_site / "index.html")
    pages = page_paths(mkdocs_site)
    assert set(PROGRAMME_PAGES) <= set(pages)
    assert page_paths(properdocs_site) == pages
    for page in pages:
        assert article_words(properdocs_site / page) == article_words(mkdocs_site / page), page


def test_properdocs_public_site_has_no_member_text(properdocs_sites, leak_index):
    assert scan_site(properdocs_sites / "public", leak_index) == []
    # The same check on ProperDocs' members' site finds every member-only source.
    leaked_from = {leak.page for leak in scan_site(properdocs_sites / "members", leak_index)}
    assert leaked_from == set(leak_index.runs.values())


def test_a_missing_engine_is_one_line_saying_how_to_install_it(project, monkeypatch, capsys):
    monkeypatch.setitem(ENGINES, "properdocs", Engine("properdocs", ".venv-not-installed"))
    code = build(Project(project.root), project.root / "site", engine="properdocs")
    errors = capsys.readouterr().err.splitlines()
    assert code == 1
    assert errors[0].endswith(".venv-not-installed/bin/python: the properdocs engine is not "
                              "installed; run `make .venv-not-installed/.installed`")
    assert errors[1].startswith("build failed: nothing was changed")
    assert not list(project.path("site").rglob("*.html"))


# --- Zensical -----------------------------------------------------------------------

def test_zensical_public_site_has_no_member_text(zensical_site, leak_index):
    assert scan_site(zensical_site, leak_index) == []


def test_zensical_builds_the_programme_pages_as_mkdocs_does(built, zensical_site):
    mkdocs_site = built.path("site/public")
    assert page_paths(zensical_site) == page_paths(mkdocs_site)
    for page in PROGRAMME_PAGES:
        assert article_words(zensical_site / page) == article_words(mkdocs_site / page), page


# --- no plugin of ours, no blog -------------------------------------------------------

def test_the_public_tree_built_with_no_plugin_but_search_has_no_member_text(
        built, leak_index, tmp_path):
    sites = {}
    for audience in ("public", "members"):
        tree = with_plain_plugins(copy_staged_tree(built, audience, tmp_path / audience))
        sites[audience] = tmp_path / f"site-{audience}"
        result = start_build("mkdocs", Project(tree), tree, sites[audience]).wait()
        assert result.ok, "\n".join(result.lines)
    public = page_paths(sites["public"])
    assert set(PROGRAMME_PAGES) <= set(public)
    # Without the blog plugin each thinkpiece is a page at its file's own address.
    for post in MEMBER_ONLY_POSTS:
        assert f"thinkpieces/posts/{post}/index.html" in public
    assert scan_site(sites["public"], leak_index) == []
    # The same plain engine does publish member text when its tree holds it.
    leaked_from = {leak.page for leak in scan_site(sites["members"], leak_index)}
    assert leaked_from == set(leak_index.runs.values())
