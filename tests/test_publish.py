"""Publishing with mike: one version per cohort in a local gh-pages branch.

Each test works on a copy of the project's source in a temporary git
repository with no remote. Full publishes take a few seconds, so one
module-wide publish is shared; a test that changes the source or the branch
puts both back before it ends.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from io import BytesIO, StringIO
from pathlib import Path
from urllib.parse import urljoin

import material
import pytest
from pypdf import PdfReader

import leadingtrusts.pipeline.publish as publish_module
from leadingtrusts.pipeline.leakcheck import LeakIndex, words_of
from leadingtrusts.pipeline.publish import branch_leaks, members_files, publish
from leadingtrusts.pipeline.sources import Project
from leadingtrusts.pipeline.stage import MemberText, read_sources
from leadingtrusts.site.loading import load_site

ROOT = Path(__file__).resolve().parents[1]
# Deadline wording depends on the build time; a fixed one keeps reruns identical.
NOW = "2027-01-15T12:00:00"
# A live site's settings (publish refuses placeholder and loopback addresses).
SITE_URL = "https://leadingtrusts.org.uk/"
MEMBERS_URL = "https://members.leadingtrusts.org.uk/"
CONTACT_EMAIL = "programme@leadingtrusts.org.uk"
BANNER = 'data-lt-banner="earlier-cohort"'


def git(repo: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=repo, input=input, capture_output=True,
                            env=env, check=True)
    return result.stdout.decode("utf-8").strip()


def branch_ref(repo: Path, branch: str = "gh-pages") -> str | None:
    result = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
                            cwd=repo, capture_output=True, text=True)
    return result.stdout.strip() or None


def show(repo: Path, path: str, ref: str = "gh-pages") -> str:
    return git(repo, "show", f"{ref}:{path}")


@pytest.fixture(scope="module")
def build_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LT_NOW", NOW)
        patch.setenv("LT_SITE_URL", SITE_URL)
        patch.setenv("LT_MEMBERS_URL", MEMBERS_URL)
        patch.setenv("LT_CONTACT_EMAIL", CONTACT_EMAIL)
        for name in ("SOURCE_DATE_EPOCH", "MIKE_DOCS_VERSION", "LT_COHORT", "LT_AUDIENCE"):
            patch.delenv(name, raising=False)
        yield


@dataclass
class Published:
    project: Path
    ref: str
    source: str  # the source commit
    output: str


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, build_env: None,
              make_git_project) -> Published:
    project = make_git_project(tmp_path_factory.mktemp("publish") / "project")
    out = StringIO()
    with redirect_stdout(out):
        code = publish(project)
    assert code == 0, out.getvalue()
    ref = branch_ref(project)
    assert ref is not None
    return Published(project, ref, git(project, "rev-parse", "HEAD"), out.getvalue())


@pytest.fixture
def site(published: Published) -> Iterator[Published]:
    """The published project; source and branch are put back after the test."""
    yield published
    git(published.project, "reset", "--quiet", "--hard", published.source)
    git(published.project, "update-ref", "refs/heads/gh-pages", published.ref)


def commit_change(project: Path, path: str, text: str, message: str = "A change") -> None:
    (project / path).write_text(text, encoding="utf-8")
    git(project, "commit", "--quiet", "--all", "-m", message)


def changed_paths(repo: Path, old: str, new: str) -> list[str]:
    return git(repo, "diff", "--name-only", old, new).splitlines()


def member_sentence(repo: Path, page_prefix: str) -> str:
    """A long sentence of member-only text from a page whose source starts with `page_prefix`."""
    for text in read_sources(Project(repo)).member_texts():
        if text.page.startswith(page_prefix):
            for sentence in text.text.replace("\n", " ").split(". "):
                if len(sentence.split()) >= 12 and not sentence.lstrip().startswith(("#", "-", "[")):
                    return sentence.strip().rstrip(".") + "."
    raise AssertionError(f"no member-only sentence in {page_prefix}")


def cohorts():
    return load_site(ROOT / "content").cohorts


# --- what a publish produces -------------------------------------------------

def test_versions_json_lists_every_cohort_with_its_title_and_latest_on_the_newest(
        published: Published) -> None:
    versions = json.loads(show(published.project, "versions.json"))
    by_id = {v["version"]: v for v in versions}
    assert set(by_id) == {c.id for c in cohorts()}
    for cohort in cohorts():
        assert by_id[cohort.id]["title"] == cohort.title
    newest = cohorts()[-1]
    assert by_id[newest.id]["aliases"] == ["latest"]
    assert all(v["aliases"] == [] for v in versions if v["version"] != newest.id)
    assert versions[0]["version"] == newest.id  # the selector lists the newest first
    assert "cohort-3" in published.output and "latest" in published.output


def test_the_site_root_redirects_to_latest(published: Published) -> None:
    index = show(published.project, "index.html")
    assert 'url=latest/"' in index
    assert 'window.location.replace(\n      "latest/"' in index
    assert show(published.project, ".nojekyll") == ""


def test_latest_is_a_copy_of_the_newest_cohort(published: Published) -> None:
    repo = published.project
    entries = git(repo, "ls-tree", "gh-pages").splitlines()
    modes = {line.split("\t")[1]: line.split()[0] for line in entries}
    assert modes["latest"] == "040000"  # a real folder, not a symlink (alias_type: copy)
    assert git(repo, "rev-parse", "gh-pages:latest") == git(repo, "rev-parse", "gh-pages:cohort-3")


@pytest.mark.parametrize("page", ["programme/schedule/", "programme/price/", ""])
def test_an_earlier_cohort_says_so_and_points_at_the_same_page_for_the_latest(
        published: Published, page: str) -> None:
    html = show(published.project, f"cohort-2/{page}index.html")
    assert BANNER in html
    assert "Cohort 2 (2026–27)</strong>, an earlier cohort" in html
    banner = html[html.index(BANNER):html.index("</p>", html.index(BANNER))]
    href = re.search(r'<a href="([^"]+)"', banner).group(1)
    here = f"https://host/cohort-2/{page}"
    assert urljoin(here, href) == f"https://host/latest/{page}"
    assert '<meta name="robots" content="noindex">' in html
    assert f'<link rel="canonical" href="{SITE_URL}latest/{page}">' in html


def test_an_earlier_cohort_shows_its_own_schedule_and_price(published: Published) -> None:
    earlier, newest = cohorts()[0], cohorts()[-1]
    schedule = show(published.project, "cohort-2/programme/schedule/index.html")
    for session in earlier.sessions:
        assert f'datetime="{session.date.isoformat()}"' in schedule
    for session in newest.sessions:
        assert f'datetime="{session.date.isoformat()}"' not in schedule
    assert "£4,750 per person" in show(published.project, "cohort-2/programme/price/index.html")
    assert "£5,000 per person" in show(published.project, "cohort-3/programme/price/index.html")
    latest_schedule = show(published.project, "latest/programme/schedule/index.html")
    assert all(f'datetime="{s.date.isoformat()}"' in latest_schedule for s in newest.sessions)


@pytest.mark.parametrize("version", ["latest", "cohort-3"])
def test_the_latest_cohort_has_no_banner_and_may_be_indexed(published: Published,
                                                             version: str) -> None:
    for page in ("", "programme/schedule/", "programme/price/"):
        html = show(published.project, f"{version}/{page}index.html")
        assert BANNER not in html
        assert "noindex" not in html
        assert f'<link rel="canonical" href="{SITE_URL}latest/{page}">' in html


def test_nothing_of_the_members_build_is_in_the_branch(published: Published) -> None:
    paths = git(published.project, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert "cohort-2/membership/index.html" in paths  # the public page about membership
    assert not [p for p in paths if "members" in p.split("/")[:-1]]
    assert members_files(paths) == []


def test_publishing_again_unchanged_makes_no_commit(site: Published) -> None:
    repo = site.project
    # A later commit that does not touch the site (a README) changes nothing
    # either: the build date is that of the site's source, not of HEAD.
    (repo / "README.md").write_text("# Notes\n", encoding="utf-8")
    git(repo, "add", "README.md")
    later = {**os.environ, "GIT_COMMITTER_DATE": "2031-01-01T12:00:00+00:00",
             "GIT_AUTHOR_DATE": "2031-01-01T12:00:00+00:00"}
    git(repo, "commit", "--quiet", "-m", "Notes", env=later)
    out = StringIO()
    with redirect_stdout(out):
        assert publish(repo) == 0
    assert branch_ref(repo) == site.ref
    assert "no new commit" in out.getvalue()


def test_dates_in_the_build_are_those_of_the_source_commit(published: Published) -> None:
    day = git(published.project, "log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%d",
              env={**os.environ, "TZ": "UTC"})
    for version in ("cohort-2", "latest"):
        sitemap = show(published.project, f"{version}/sitemap.xml")
        assert set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap)) == {day}
        # The feed changes only when a thinkpiece does: its date is the newest piece's.
        feed = show(published.project, f"{version}/feed_rss_created.xml")
        built = re.search(r"<lastBuildDate>([^<]+)</lastBuildDate>", feed).group(1)
        newest = max(p.source.meta.date for p in read_sources(Project(published.project)).pages
                     if p.is_post)
        assert parsedate_to_datetime(built).date() == newest


def test_commits_that_add_up_to_no_change_are_dropped(site: Published,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    repo = site.project

    def deploy_nothing_new(project, repo_, outcome, sources, selected, settings) -> None:
        tree = git(repo, "rev-parse", "gh-pages^{tree}")
        for message in ("first", "second"):
            commit = git(repo, "commit-tree", tree, "-p", "gh-pages", "-m", message)
            git(repo, "update-ref", "refs/heads/gh-pages", commit)

    monkeypatch.setattr(publish_module, "_deploy", deploy_nothing_new)
    out = StringIO()
    with redirect_stdout(out):
        assert publish(repo) == 0
    assert branch_ref(repo) == site.ref
    assert "no new commit" in out.getvalue()


# --- a live site: no local address anywhere ----------------------------------

# What a local build writes and a live site must never show: the local stand-ins,
# the loopback interface and names reserved for examples.
LOCAL_ADDRESS = re.compile(r"127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0|leadingtrusts\.example"
                           r"|[\w.-]+\.(?:example|invalid|test)\b|\bexample\.(?:com|org|net)\b")
THEME = Path(material.__file__).parent / "templates"


def theme_files() -> set[bytes]:
    """The bytes of every file Material ships: its source map quotes `localhost` and
    `127.0.0.1` in a code comment, which is the theme's, not an address of ours."""
    return {path.read_bytes() for path in THEME.rglob("*") if path.is_file()}


def readable_text(path: str, data: bytes) -> str:
    """What a visitor's software reads in a file: PDFs' text and links, gzip's content."""
    if path.endswith(".pdf"):
        reader = PdfReader(BytesIO(data))
        links = [str(annotation.get_object().get("/A", {}).get("/URI", ""))
                 for page in reader.pages for annotation in page.get("/Annots", [])]
        return "\n".join([page.extract_text() for page in reader.pages] + links)
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def test_no_file_of_the_branch_mentions_a_local_or_placeholder_address(
        published: Published) -> None:
    repo, theme = published.project, theme_files()
    files = publish_module.branch_files(repo, "gh-pages")
    blobs = publish_module._read_blobs(repo, sorted(set(files.values())))
    checked, mentions = 0, []
    for path, sha in sorted(files.items()):
        if blobs[sha] in theme or path.endswith(".png"):
            continue
        checked += 1
        mentions += [f"{path}: {m}" for m in LOCAL_ADDRESS.findall(readable_text(path, blobs[sha]))]
    assert checked > 50 and mentions == []
    assert any(p.endswith(".pdf") for p in files)  # the overview's links were read too


def test_each_version_carries_its_own_overview_calendar_and_tags_on_every_page(
        published: Published) -> None:
    repo = published.project
    paths = git(repo, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    for version, cohort in (("cohort-2", "cohort-2"), ("cohort-3", "cohort-3"),
                            ("latest", "cohort-3")):
        for document in ("programme-overview.pdf", "schedule.ics", "deadline.ics"):
            assert f"{version}/downloads/leadingtrusts-{cohort}-{document}" in paths
        pages = [p for p in paths if p.startswith(f"{version}/") and p.endswith(".html")]
        assert len(pages) > 10
        for page in pages:
            html = show(repo, page)
            for tag in ('property="og:title"', 'property="og:image"', 'name="twitter:card"'):
                assert tag in html, f"{page} has no {tag}"
            for data in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html,
                                   re.S):
                assert json.loads(data)["@context"] == "https://schema.org", page
        home = show(repo, f"{version}/index.html")
        assert "application/ld+json" in home
        # Absolute addresses point at pages that exist in the branch (under latest/).
        image = re.search(r'<meta property="og:image" content="([^"]+)"', home).group(1)
        assert image.startswith(f"{SITE_URL}latest/assets/share/"), image
        assert image.removeprefix(SITE_URL) in paths
    feed = show(repo, "latest/feed_rss_created.xml")
    links = re.findall(r"<link>([^<]+)</link>", feed)
    assert links and all(link.startswith(f"{SITE_URL}latest/") for link in links), links
    for link in links[1:]:
        assert f"{link.removeprefix(SITE_URL)}index.html" in paths, link


def test_the_preview_of_a_member_only_piece_signs_in_on_the_members_site(
        published: Published) -> None:
    paths = git(published.project, "ls-tree", "-r", "--name-only", "gh-pages",
                "latest/thinkpieces/").splitlines()
    (page,) = [p for p in paths if "/growth-that-lasts" in p and p.endswith("/index.html")]
    html = show(published.project, page)
    slug = page.split("/")[2]
    assert f'href="{MEMBERS_URL}thinkpieces/{slug}/"' in html
    assert f"mailto:{CONTACT_EMAIL}" in show(published.project, "latest/programme/apply/index.html")


def test_a_missing_page_anywhere_is_sent_to_the_latest_404_page(published: Published) -> None:
    page = show(published.project, "404.html")
    assert 'window.location.replace("/latest/404.html")' in page
    assert '<a href="/latest/">' in page  # for a visitor without JavaScript
    assert "Page not found" in show(published.project, "latest/404.html")  # overrides/404.html
    assert "latest/404.html" in published.output


# --- one cohort, and failures ------------------------------------------------

def test_publishing_one_cohort_touches_only_that_version(site: Published) -> None:
    repo = site.project
    index = (repo / "docs/index.md").read_text(encoding="utf-8")
    commit_change(repo, "docs/index.md", index + "\nA sentence added after the first publish.\n")
    out = StringIO()
    with redirect_stdout(out):
        assert publish(repo, cohort="cohort-2") == 0
    new = branch_ref(repo)
    assert new != site.ref
    changed = changed_paths(repo, site.ref, new)
    assert changed and all(p.startswith("cohort-2/") for p in changed), changed
    assert "A sentence added after the first publish." in show(repo, "cohort-2/index.html")
    assert "A sentence added" not in show(repo, "latest/index.html")
    assert "cohort-3" not in out.getvalue().split("versions in the branch")[0]


def test_an_unknown_cohort_fails_with_one_line_and_changes_nothing(
        site: Published, capsys: pytest.CaptureFixture[str]) -> None:
    assert publish(site.project, cohort="cohort-9") != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "no cohort called 'cohort-9'" in err[0] and "cohort-2, cohort-3" in err[0]
    assert branch_ref(site.project) == site.ref


def test_a_build_failure_for_one_cohort_leaves_the_branch_as_it_was(
        site: Published, capfd: pytest.CaptureFixture[str]) -> None:
    repo = site.project
    index = (repo / "docs/index.md").read_text(encoding="utf-8")
    # Cohort 2 builds (and is committed) first; cohort 3's build then fails.
    commit_change(repo, "docs/index.md", index + "\nA new sentence for every cohort.\n\n"
                  "{% if cohort.number == 3 %}{{ no_such_value }}{% endif %}\n")
    assert publish(repo) != 0
    err = capfd.readouterr().err.strip().splitlines()
    assert "publish failed: building cohort-3" in err[-1]
    assert f"'gh-pages' was left at {site.ref[:12]}" in err[-1]
    assert branch_ref(repo) == site.ref


def plant(repo: Path, files: dict[str, bytes], message: str = "Planted") -> str:
    """Commit `files` on top of gh-pages (as someone pushing by hand would); the new ref."""
    index = repo / ".git" / "planted-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    git(repo, "read-tree", "gh-pages", env=env)
    for path, data in files.items():
        blob = git(repo, "hash-object", "-w", "--stdin", input=data)
        git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(repo, "write-tree", env=env)
    index.unlink()
    commit = git(repo, "commit-tree", tree, "-p", "gh-pages", "-m", message)
    git(repo, "update-ref", "refs/heads/gh-pages", commit)
    return commit


def test_a_member_only_sentence_in_the_branch_fails_and_leaves_it_unchanged(
        site: Published, capfd: pytest.CaptureFixture[str]) -> None:
    repo = site.project
    sentence = member_sentence(repo, "docs/thinkpieces")
    planted = plant(repo, {"cohort-1/notes/index.html":
                           f"<p>{sentence.replace(chr(39), '&rsquo;')}</p>".encode()})
    # A source change, so that this publish does commit before the check runs.
    index = (repo / "docs/index.md").read_text(encoding="utf-8")
    commit_change(repo, "docs/index.md", index + "\nA change that gets committed first.\n")
    assert publish(repo, cohort="cohort-2") != 0
    err = capfd.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("publish failed: leak check failed")
    assert "cohort-1/notes/index.html" in last and " ".join(words_of(sentence)[:8]) in last
    assert "leak: cohort-1/notes/index.html: member-only text from docs/thinkpieces/posts/" in err
    assert branch_ref(repo) == planted


def test_a_public_page_quoting_member_only_text_fails_the_build(
        site: Published, capfd: pytest.CaptureFixture[str]) -> None:
    repo = site.project
    sentence = member_sentence(repo, "docs/members")
    page = (repo / "docs/principles.md").read_text(encoding="utf-8")
    commit_change(repo, "docs/principles.md", page + f"\n{sentence}\n")
    assert publish(repo, cohort="cohort-2") != 0
    err = capfd.readouterr().err
    assert "leak check failed" in err and " ".join(words_of(sentence)[:8]) in err
    assert "publish failed: building cohort-2" in err.strip().splitlines()[-1]
    assert branch_ref(repo) == site.ref


# --- the branch leak check on its own (no build) -----------------------------

def test_branch_leaks_reads_every_file_kind(tmp_path: Path) -> None:
    index = LeakIndex.from_texts([MemberText(
        "docs/members/x.md", "Only members may read this quite particular sentence here.\n\n"
        "Another members' sentence that nobody else should ever see.")])
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet")
    files = {
        "v1/page/index.html": b"<p>Only <em>members</em> may read this quite particular "
                              b"sentence here.</p>",
        "v1/sitemap.xml.gz": gzip.compress(b"Another members&#x27; sentence that nobody else "
                                           b"should ever see."),
        "v1/search/search_index.json": json.dumps(
            {"docs": [{"text": "Another members\u2019 sentence\nthat nobody else should ever "
                               "see."}]}).encode(),
        "v1/clean.html": b"<p>Nothing to see.</p>",
        "v1/logo.png": bytes(range(256)),
        "v2/page/index.html": b"<p>Only members may read this quite particular sentence here.</p>",
    }
    for path, data in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    git(repo, "add", "--all")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "x")
    leaks = branch_leaks(repo, "HEAD", index)
    assert sorted(leak.file for leak in leaks) == [
        "v1/page/index.html", "v1/search/search_index.json", "v1/sitemap.xml.gz",
        "v2/page/index.html"]
    assert {leak.page for leak in leaks} == {"docs/members/x.md"}
    paths = ["v1/members/index.html", "members/a.html", "v1/membership/index.html",
             "v1/assets/x/members/y.js"]
    assert members_files(paths) == ["members/a.html", "v1/members/index.html"]


@pytest.mark.parametrize("version", ["latest", "cohort-3"])
def test_the_published_search_index_holds_thinkpieces_by_summary_not_full_text(
        published: Published, version: str) -> None:
    # mike rebuilds each version with the engine's full index; the branch must carry the
    # slimmed one, or a visitor's first search downloads every piece's text.
    docs = json.loads(show(published.project, f"{version}/search/search_index.json"))["docs"]
    piece = [d for d in docs if d["location"] == "thinkpieces/making-the-case-for-joining-a-thriving-trust/"]
    assert piece and "honest case to schools" in piece[0]["text"]  # its summary
    headings = {d["title"] for d in docs if d["location"].startswith("thinkpieces/making-the-case-for-joining-a-thriving-trust/#")}
    assert "Why a different word" in headings
    body = "explaining to a school that is weighing its future"
    assert not any(body in d["text"] for d in docs)
    # Programme pages keep their full text.
    assert any("Eligibility" in d["title"] for d in docs)
