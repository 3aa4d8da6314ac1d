"""Publish the public site, one version per cohort, into a local gh-pages branch with mike.

Every cohort is rebuilt from the current source through the same stage as
`make build`: the stage writes that cohort's public tree (with mike's version
selector) into build/stage/publish-<cohort>/, and mike deploys a build of that
tree, never of docs/ itself. The newest cohort also carries the alias
`latest` (copied, not symlinked), and the site root redirects to `latest/`.

The branch only moves when the whole publish succeeds:

- a build that fails, an unknown cohort id or a leak puts the branch back
  where it was before this publish;
- the builds are reproducible (fixed build date, fixed hash seed), so
  publishing unchanged source makes no commit, and if mike's commits add up
  to no change at all the branch is put back on its old commit;
- after the commits, every file of every version in the branch is checked
  for member-only sentences (pages under docs/members/ and the part of a
  member-only thinkpiece after its `<!-- more -->` marker), and for any
  members/ folder. The members' build itself is never versioned.

Before anything is built, the deployment's settings (content/deployment.yml and
the LT_* variables) must name a live site: an address at a placeholder domain
or on the loopback interface stops the publish with one line, so no page of
the branch can point at https://leadingtrusts.example/ or 127.0.0.1. After
mike's commits, a root `404.html` (leadingtrusts/templates/root-404.html) is
committed on top when it is missing or out of date: GitHub Pages serves it
for any missing address, and it sends the visitor to `latest/404.html`.

Nothing is pushed: CI pushes the branch after a successful publish.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..errors import ContentError
from ..site.loading import Cohort
from .context import DEPLOYMENT_FILE, ENVIRONMENT, LATEST, Settings, build_time
from .leakcheck import Leak, LeakIndex, built_file_text, find_leaks
from .sources import BUILD_CODE, SITE_SOURCES, Project
from .run import BuildFailed, build_trees
from .search_index import INDEX as SEARCH_INDEX
from .stage import MEMBERS_DIR, Sources, StagedTree, pick_context, read_sources, write_tree

ALIAS_TYPE = "copy"
# mike has no `python -m mike`; its console script may not be on PATH either.
MIKE = [sys.executable, "-c", "import sys; from mike.driver import main; sys.argv[0] = 'mike'; "
        "sys.exit(main())"]
SHOWN_LEAKS = 20
# The build date is the time of the last commit that touched the site's sources
# or the code that builds them, so a commit elsewhere (README, tests, CI)
# republishes nothing.
PUBLISHED_FROM = (*SITE_SOURCES, *BUILD_CODE)
# Names no visitor can reach: reserved for documentation and tests (RFC 2606,
# RFC 6761) or this machine itself.
PLACEHOLDER_TOP_LEVEL = ("example", "invalid", "test", "localhost")
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")
ROOT_404 = "404.html"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class PublishError(Exception):
    """A reason to stop publishing; its text is the one-line message the user reads."""


@dataclass
class Deployed:
    cohort: Cohort
    aliases: list[str]
    changed: bool = False


@dataclass
class Outcome:
    branch: str
    before: str | None
    after: str | None = None
    deployed: list[Deployed] = field(default_factory=list)


# --- git ---------------------------------------------------------------------

def _git(repo: Path, *args: str, input: bytes | None = None, check: bool = True,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(["git", *args], cwd=repo, input=input, capture_output=True, env=env)
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PublishError(f"git {args[0]} failed: {message[-1] if message else result.returncode}")
    return result


def _git_text(repo: Path, *args: str, input: bytes | None = None,
              env: dict[str, str] | None = None) -> str:
    return _git(repo, *args, input=input, env=env).stdout.decode("utf-8").strip()


def _branch_commit(repo: Path, branch: str) -> str | None:
    result = _git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}",
                  check=False)
    if result.returncode != 0:
        return None
    return result.stdout.decode().strip() or None


def _tree(repo: Path, commit: str) -> str:
    return _git_text(repo, "rev-parse", f"{commit}^{{tree}}")


def _set_branch(repo: Path, branch: str, commit: str | None) -> None:
    """Point `branch` at `commit`, or delete it when there was no branch before."""
    ref = f"refs/heads/{branch}"
    if commit is None:
        if _branch_commit(repo, branch) is not None:
            _git(repo, "update-ref", "-d", ref)
    elif _branch_commit(repo, branch) != commit:
        _git(repo, "update-ref", "-m", "leadingtrusts publish: restore", ref, commit)


def _read_blobs(repo: Path, shas: list[str]) -> dict[str, bytes]:
    """The contents of many blobs with one `git cat-file --batch`."""
    if not shas:
        return {}
    out = _git(repo, "cat-file", "--batch", input="".join(f"{s}\n" for s in shas).encode()).stdout
    blobs, position = {}, 0
    for sha in shas:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        if len(header) != 3:
            raise PublishError(f"git cat-file: cannot read object {sha}")
        size = int(header[2])
        blobs[sha] = out[end + 1:end + 1 + size]
        position = end + 1 + size + 1  # the data is followed by a newline
    return blobs


def branch_files(repo: Path, commit: str) -> dict[str, str]:
    """path -> blob id of every file (symlinks included) in `commit`'s tree."""
    listing = _git(repo, "ls-tree", "-r", "-z", "--full-tree", commit).stdout.decode("utf-8")
    files = {}
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind == "blob":
            files[path] = sha
    return files


# --- the leak check over the published branch --------------------------------

def members_files(files: dict[str, str] | list[str], members_dir: str = "members") -> list[str]:
    """Paths inside a members' folder, at the top of the branch or of a version."""
    return sorted(p for p in files if members_dir in p.split("/")[:-1][:2])


def branch_leaks(repo: Path, commit: str, index: LeakIndex) -> list[Leak]:
    """Member-only text in any file of any version in `commit`.

    Identical files (an alias is a copy of its version) are read and scanned
    once; a leak is reported under every path that holds it.
    """
    files = branch_files(repo, commit)
    leaks: list[Leak] = []
    paths_of: dict[str, list[str]] = {}
    for path, sha in sorted(files.items()):
        paths_of.setdefault(sha, []).append(path)
    blobs = _read_blobs(repo, list(paths_of))
    texts = {}
    for sha, data in blobs.items():
        text = built_file_text(paths_of[sha][0], data)
        if text is not None:
            texts[sha] = text
    for leak in find_leaks(texts, index):
        leaks += [Leak(path, leak.page, leak.words) for path in paths_of[leak.file]]
    return sorted(leaks, key=lambda leak: (leak.file, leak.page, leak.words))


# --- what must not go live ---------------------------------------------------

def unreachable(host: str) -> str | None:
    """'a loopback' or 'a placeholder' when no visitor can reach `host`, else None."""
    host = host.lower().rstrip(".")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        ip = getattr(ip, "ipv4_mapped", None) or ip  # ::ffff:127.0.0.1 is 127.0.0.1
        return "a loopback" if ip.is_loopback or ip.is_unspecified else None
    if host == "localhost":
        return "a loopback"
    if host.rsplit(".", 1)[-1] in PLACEHOLDER_TOP_LEVEL or any(
            host == domain or host.endswith("." + domain) for domain in PLACEHOLDER_DOMAINS):
        return "a placeholder"
    return None


def not_live(settings: Settings) -> dict[str, str]:
    """Each setting that would send a visitor nowhere: name -> why, for the refusal."""
    hosts = {"site_url": urlsplit(settings.site_url).hostname or "",
             "members_url": urlsplit(settings.members_url).hostname or "",
             "contact_email": settings.contact_email.rpartition("@")[2]}
    found = {}
    for name, host in hosts.items():
        kind = unreachable(host)
        if kind:
            found[name] = (f"{name} '{getattr(settings, name)}' ({settings.origin(name)}) is "
                           f"{kind} address")
    for name in ("site_url", "members_url"):
        if name not in found and urlsplit(getattr(settings, name)).scheme != "https":
            found[name] = (f"{name} '{getattr(settings, name)}' ({settings.origin(name)}) "
                           "must start with https://")
    if "members_url" not in found and hosts["members_url"] == hosts["site_url"]:
        found["members_url"] = (f"members_url '{settings.members_url}' "
                                f"({settings.origin('members_url')}) is on the public site's host: "
                                "the members' site needs a host of its own, behind the gateway")
    return found


def _live_settings(project: Path) -> Settings:
    """The deployment's settings, if they name a live site; else one PublishError line."""
    try:
        settings = Settings.load(project)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        raise PublishError(f"the deployment settings have {len(error.problems)} problem(s)") \
            from None
    refused = not_live(settings)
    if refused:
        variables = ", ".join(ENVIRONMENT[name] for name in refused)
        raise PublishError(f"not a live site's settings: {'; '.join(refused.values())}; set "
                           f"{'it' if len(refused) == 1 else 'them'} in {DEPLOYMENT_FILE} or as "
                           f"{variables} (DEVELOPMENT.md, \"Going live\")")
    return settings


def check_settings(project: Path) -> int:
    """`publish --check-settings`: say whether the settings name a live site; publish nothing."""
    try:
        settings = _live_settings(Path(project).resolve())
    except PublishError as error:
        print(f"publish refused: {error}", file=sys.stderr)
        return 1
    print("the deployment settings name a live site: " + ", ".join(
        f"{name} {getattr(settings, name)} ({settings.origin(name)})" for name in ENVIRONMENT))
    return 0


def member_only_files(sources: Sources) -> list[str]:
    """The source files only members may read: what a public repository would show anyone."""
    pages = [f"docs/{p.docs_path}" for p in sources.pages
             if p.in_members_area or p.source.members_only]
    assets = [f"docs/{a}" for a in sources.assets if a.startswith(MEMBERS_DIR + "/")]
    return sorted(pages + assets)


# --- the root 404 page -------------------------------------------------------

def root_404_page(settings: Settings, sources: Sources) -> bytes:
    """The branch's root 404.html: GitHub Pages serves it for a missing address at any
    depth, so it names latest/ by an absolute path, from the site address's own path."""
    root = urlsplit(settings.site_url).path or "/"
    environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=StrictUndefined, keep_trailing_newline=True)
    page = environment.get_template("root-404.html").render(
        programme=sources.site.programme, home=f"{root}{LATEST}/",
        not_found=f"{root}{LATEST}/{ROOT_404}", sections=navigation_links(sources))
    return page.encode("utf-8")


def navigation_links(sources: Sources) -> list[tuple[str, str]]:
    """(label, address within a version) of each page in mkdocs.yml's `nav` but the
    home page, in its order: the root 404 page's ways back for a visitor without
    JavaScript."""
    urls = {page.docs_path: page.url for page in sources.pages}
    links: list[tuple[str, str]] = []

    def walk(entries: list[Any]) -> None:
        for entry in entries:
            for label, target in (entry.items() if isinstance(entry, dict) else [(None, entry)]):
                if isinstance(target, list):
                    walk(target)
                elif urls.get(target):
                    links.append((label or urls[target], urls[target]))

    walk(sources.engine_config.get("nav") or [])
    return links


def _commit_files(repo: Path, branch: str, files: dict[str, bytes], message: str,
                  env: dict[str, str], *, onto: str | None = None) -> bool:
    """Commit `files` (branch path -> bytes) on top of `branch` (mike has no way to add
    or replace a file of our own); whether the branch moved. With `onto`, the branch's
    last commit (mike's, made on top of `onto`) is replaced by one with the files in it,
    or dropped when the result is `onto`'s tree: publishing an unchanged site then
    still makes no commit. A throw-away git index leaves the repository's own alone."""
    head = _branch_commit(repo, branch)
    assert head is not None, "mike has deployed, so the branch exists"
    with tempfile.TemporaryDirectory(prefix="leadingtrusts-index-") as folder:
        index_env = {**env, "GIT_INDEX_FILE": str(Path(folder) / "index")}
        _git(repo, "read-tree", head, env=index_env)
        for name, data in files.items():
            blob = _git_text(repo, "hash-object", "-w", "--stdin", input=data)
            _git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{name}",
                 env=index_env)
        tree = _git_text(repo, "write-tree", env=index_env)
    parent = onto if onto is not None and onto != head else head
    if tree == _tree(repo, parent):
        _set_branch(repo, branch, parent)
        return parent != head
    if parent != head:  # keep mike's message: it says which version was deployed
        message = _git_text(repo, "log", "-1", "--format=%B", head)
    commit = _git(repo, "commit-tree", tree, "-p", parent, "-m", message,
                  env=env).stdout.decode().strip()
    _git(repo, "update-ref", "-m", "leadingtrusts publish", f"refs/heads/{branch}", commit, head)
    return True


# --- publishing --------------------------------------------------------------

def _select(sources: Sources, wanted: str | None) -> list[Cohort]:
    if wanted in (None, ""):
        return list(sources.site.cohorts)
    try:
        return [sources.site.cohort(wanted)]
    except ContentError as error:
        raise PublishError(error.problems[0].message) from None


def source_date_epoch(project: Path) -> str:
    """The commit time of the site's source: the last commit touching PUBLISHED_FROM, else HEAD."""
    return (_git_text(project, "log", "-1", "--format=%ct", "HEAD", "--", *PUBLISHED_FROM)
            or _git_text(project, "log", "-1", "--format=%ct", "HEAD"))


def _build_env(project: Path, repo: Path) -> dict[str, str]:
    """The environment of every mike command: the public audience, reproducibly."""
    extra = {
        # The sitemap's lastmod, its .gz header and the RSS feeds' dates come
        # from the build date; pin it to the source's own commit time.
        "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH") or source_date_epoch(project),
        # Iteration over sets of strings (mike's alias lists, any plugin's
        # sets) must not change from one run to the next.
        "PYTHONHASHSEED": "0",
        # mike runs `mkdocs` by name: the one next to this Python.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **extra}
    # mike writes commits with `git fast-import` and needs a committer; the root
    # 404 page's commit (`git commit-tree`) needs an author too.
    for role in ("AUTHOR", "COMMITTER"):
        for key, setting, fallback in ((f"GIT_{role}_NAME", "user.name", "LeadingTrusts publish"),
                                       (f"GIT_{role}_EMAIL", "user.email",
                                        "publish@leadingtrusts.invalid")):
            if not env.get(key) and _git(repo, "config", setting, check=False).returncode != 0:
                env[key] = fallback
    return env


def _mike(project: Path, env: dict[str, str], *args: str) -> int:
    return subprocess.run([*MIKE, "--quiet", *args], cwd=project, env=env).returncode


def _versions(repo: Path, branch: str) -> list[dict]:
    result = _git(repo, "show", f"refs/heads/{branch}:versions.json", check=False)
    if result.returncode != 0:
        return []
    try:
        return json.loads(result.stdout.decode("utf-8"))
    except ValueError:
        return []


def _deploy(project: Path, repo: Path, outcome: Outcome, sources: Sources,
            selected: list[Cohort], settings: Settings) -> None:
    env = _build_env(project, repo)
    # The stage runs in this process: its documents (the calendar's stamps) take the
    # same build date as mike's builds, and this process's environment is put back after.
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = env["SOURCE_DATE_EPOCH"]
    try:
        _deploy_each(project, repo, outcome, sources, selected, settings, env)
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def _deploy_each(project: Path, repo: Path, outcome: Outcome, sources: Sources,
                 selected: list[Cohort], settings: Settings, env: dict[str, str]) -> None:
    """mike deploy of each selected cohort, each staged and verified first."""
    branch = outcome.branch
    now = build_time()
    latest = sources.site.latest
    git_options = ["--branch", branch, "--ignore-remote-status"]
    for cohort in selected:
        # The stage writes this version's public tree; mike builds it into the
        # tree's own site/ folder, never into the project's site/ (which holds
        # the last good public and members' builds).
        tree, search_index = _verified_tree(project, sources, cohort, now, settings)
        config = ["--config-file", str(tree.config_file)]
        aliases = [LATEST] if cohort is latest else []
        before = _branch_commit(repo, branch)
        code = _mike(project, env, "deploy", *config, *git_options, "--title", cohort.title,
                     "--alias-type", ALIAS_TYPE, *(["--update-aliases"] if aliases else []),
                     cohort.id, *aliases)
        if code != 0:
            raise PublishError(f"building {cohort.id} ({cohort.title}) failed "
                               f"(mike deploy exited with {code}); see the errors above")
        # mike built the tree again, with the engine's full search index; put back
        # the slimmed one the verified build made (pipeline/search_index.py).
        _commit_files(repo, branch, {f"{version}/{SEARCH_INDEX}": search_index
                                     for version in (cohort.id, *aliases)},
                      f"{cohort.id}: thinkpieces in the search index by summary", env,
                      onto=before)
        outcome.deployed.append(Deployed(cohort, aliases,
                                         _branch_commit(repo, branch) != before))
    if any(LATEST in v.get("aliases", []) for v in _versions(repo, branch)):
        code = _mike(project, env, "set-default", *config, *git_options, LATEST)
        if code != 0:
            raise PublishError(f"mike set-default {LATEST} exited with {code}")
        _commit_files(repo, branch, {ROOT_404: root_404_page(settings, sources)},
                      f"Root {ROOT_404}: send visitors to {LATEST}/{ROOT_404}", env)


def _verified_tree(project: Path, sources: Sources, cohort: Cohort, now: dt.datetime,
                   settings: Settings) -> tuple[StagedTree, bytes]:
    """Stage one version and prove it with a full build (engine warnings, links, leaks)
    before mike builds it again for the branch (mike itself checks nothing); the tree,
    and the verified build's search index."""
    name = f"publish-{cohort.id}"
    failed = f"building {cohort.id} ({cohort.title}) failed"
    try:
        context = pick_context(sources, "public", cohort.id, now, settings, versioned=True)
        tree = write_tree(sources, context, Project(project).stage_dir(name))
        with tempfile.TemporaryDirectory(prefix="leadingtrusts-verify-") as out:
            build_trees(Project(project), {name: tree}, sources.member_texts(), Path(out))
            search_index = (Path(out) / name / SEARCH_INDEX).read_bytes()
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        raise PublishError(f"{failed}; see the errors above") from None
    except BuildFailed as error:
        for line in error.lines:
            print(line, file=sys.stderr)
        raise PublishError(f"{failed}; see the errors above") from None
    return tree, search_index


def _summary(outcome: Outcome, repo: Path) -> str:
    lines = [f"published to the local branch '{outcome.branch}':"]
    width = max((len(d.cohort.id) for d in outcome.deployed), default=0)
    for d in outcome.deployed:
        aliases = f" [{', '.join(d.aliases)}]" if d.aliases else ""
        lines.append(f"  {d.cohort.id:<{width}}  {d.cohort.title}{aliases}: "
                     f"{'updated' if d.changed else 'unchanged'}")
    versions = _versions(repo, outcome.branch)
    if versions:
        shown = ", ".join(
            v["version"] + (f" [{', '.join(v['aliases'])}]" if v.get("aliases") else "")
            for v in versions)
        lines.append(f"  versions in the branch: {shown}; the site root redirects to {LATEST}/, "
                     f"a missing page to {LATEST}/{ROOT_404}")
    if outcome.after == outcome.before:
        lines.append(f"  no new commit: '{outcome.branch}' is unchanged"
                     + (f" at {outcome.after[:12]}" if outcome.after else ""))
    else:
        count = (int(_git_text(repo, "rev-list", "--count", f"{outcome.before}..{outcome.after}"))
                 if outcome.before else int(_git_text(repo, "rev-list", "--count", outcome.after)))
        lines.append(f"  committed: '{outcome.branch}' is now at {outcome.after[:12]} "
                     f"({count} new commit{'s' if count != 1 else ''}; push it to go live)")
    return "\n".join(lines)


def publish(project: Path, cohort: str | None = None, branch: str = "gh-pages") -> int:
    """Deploy every cohort (or just `cohort`) into `branch`; returns an exit code."""
    project = Path(project).resolve()
    outcome: Outcome | None = None
    repo = project
    try:
        settings = _live_settings(project)
        try:
            sources = read_sources(Project(project))
        except ContentError as error:
            for problem in error.problems:
                print(problem, file=sys.stderr)
            raise PublishError(f"the sources have {len(error.problems)} problem(s)") from None
        selected = _select(sources, cohort)
        found = _git(project, "rev-parse", "--show-toplevel", check=False)
        if found.returncode != 0:
            raise PublishError(f"{project} is not in a git repository")
        repo = Path(found.stdout.decode().strip())
        if _git(repo, "check-ref-format", "--branch", branch, check=False).returncode != 0:
            raise PublishError(f"'{branch}' is not a valid branch name")
        if _git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode != 0:
            raise PublishError("the repository has no commit yet: commit the source first")
        index = LeakIndex.from_texts(sources.member_texts())

        outcome = Outcome(branch, _branch_commit(repo, branch))
        _deploy(project, repo, outcome, sources, selected, settings)

        after = _branch_commit(repo, branch)
        if outcome.before and after and after != outcome.before \
                and _tree(repo, after) == _tree(repo, outcome.before):
            _set_branch(repo, branch, outcome.before)  # commits that add up to nothing
            after = outcome.before
        outcome.after = after

        if after:
            _check_branch(repo, branch, after, index)
        print(_summary(outcome, repo))
        return 0
    except PublishError as error:
        print(f"publish failed: {error}{_restore(repo, outcome)}", file=sys.stderr)
        return 1
    except BaseException:  # interrupted, or a bug: still leave the branch as it was
        _restore(repo, outcome)
        raise


def _check_branch(repo: Path, branch: str, commit: str, index: LeakIndex) -> None:
    """Fail if any member-only text or members' folder is in the branch."""
    folders = members_files(branch_files(repo, commit), MEMBERS_DIR)
    for path in folders[:SHOWN_LEAKS]:
        print(f"leak: {path}: a members' file in the published branch", file=sys.stderr)
    if folders:
        raise PublishError(f"leak check failed: '{branch}' holds {len(folders)} file(s) in a "
                           f"'{MEMBERS_DIR}/' folder, first {folders[0]}")
    leaks = branch_leaks(repo, commit, index)
    for leak in leaks[:SHOWN_LEAKS]:
        print(f"leak: {leak}", file=sys.stderr)
    if len(leaks) > SHOWN_LEAKS:
        print(f"leak: ... and {len(leaks) - SHOWN_LEAKS} more", file=sys.stderr)
    if leaks:
        first = leaks[0]
        raise PublishError(f"leak check failed: member-only text in {len(leaks)} place(s) of "
                           f"'{branch}'; first in {first.file} (from {first.page}): "
                           f"\"{first.words}\"")


def _restore(repo: Path, outcome: Outcome | None) -> str:
    """Put the branch back where this publish found it; says so for the message."""
    if outcome is None:
        return "; nothing was published"
    branch, before = outcome.branch, outcome.before
    try:
        _set_branch(repo, branch, before)
    except PublishError as error:
        return f"; could not restore '{branch}' to {before or 'nothing'}: {error}"
    return f"; '{branch}' was left at {before[:12]}" if before else f"; '{branch}' was not created"
