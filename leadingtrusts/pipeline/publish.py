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

Nothing is pushed: CI pushes the branch after a successful publish.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError
from ..site.loading import Cohort
from .context import Settings, build_time
from .leakcheck import Leak, LeakIndex, built_file_text, find_leaks
from .sources import BUILD_CODE, SITE_SOURCES, Project
from .run import BuildFailed, build_trees
from .stage import MEMBERS_DIR, Sources, StagedTree, pick_context, read_sources, write_tree

LATEST = "latest"
ALIAS_TYPE = "copy"
# mike has no `python -m mike`; its console script may not be on PATH either.
MIKE = [sys.executable, "-c", "import sys; from mike.driver import main; sys.argv[0] = 'mike'; "
        "sys.exit(main())"]
SHOWN_LEAKS = 20
# The build date is the time of the last commit that touched the site's sources
# or the code that builds them, so a commit elsewhere (README, tests, CI)
# republishes nothing.
PUBLISHED_FROM = (*SITE_SOURCES, *BUILD_CODE)


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

def _git(repo: Path, *args: str, input: bytes | None = None,
         check: bool = True) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(["git", *args], cwd=repo, input=input, capture_output=True)
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PublishError(f"git {args[0]} failed: {message[-1] if message else result.returncode}")
    return result


def _git_text(repo: Path, *args: str) -> str:
    return _git(repo, *args).stdout.decode("utf-8").strip()


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
    # mike writes commits with `git fast-import` and needs a committer.
    for key, setting, fallback in (("GIT_COMMITTER_NAME", "user.name", "LeadingTrusts publish"),
                                   ("GIT_COMMITTER_EMAIL", "user.email",
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
            selected: list[Cohort]) -> None:
    branch = outcome.branch
    env = _build_env(project, repo)
    settings, now = Settings.from_env(), build_time()
    latest = sources.site.latest
    git_options = ["--branch", branch, "--ignore-remote-status"]
    for cohort in selected:
        # The stage writes this version's public tree; mike builds it into the
        # tree's own site/ folder, never into the project's site/ (which holds
        # the last good public and members' builds).
        tree = _verified_tree(project, sources, cohort, now, settings)
        config = ["--config-file", str(tree.config_file)]
        aliases = [LATEST] if cohort is latest else []
        before = _branch_commit(repo, branch)
        code = _mike(project, env, "deploy", *config, *git_options, "--title", cohort.title,
                     "--alias-type", ALIAS_TYPE, *(["--update-aliases"] if aliases else []),
                     cohort.id, *aliases)
        if code != 0:
            raise PublishError(f"building {cohort.id} ({cohort.title}) failed "
                               f"(mike deploy exited with {code}); see the errors above")
        outcome.deployed.append(Deployed(cohort, aliases,
                                         _branch_commit(repo, branch) != before))
    if any(LATEST in v.get("aliases", []) for v in _versions(repo, branch)):
        code = _mike(project, env, "set-default", *config, *git_options, LATEST)
        if code != 0:
            raise PublishError(f"mike set-default {LATEST} exited with {code}")


def _verified_tree(project: Path, sources: Sources, cohort: Cohort, now: dt.datetime,
                   settings: Settings) -> StagedTree:
    """Stage one version and prove it with a full build (engine warnings, links, leaks)
    before mike builds it again for the branch: mike itself checks nothing."""
    name = f"publish-{cohort.id}"
    failed = f"building {cohort.id} ({cohort.title}) failed"
    try:
        context = pick_context(sources, "public", cohort.id, now, settings, versioned=True)
        tree = write_tree(sources, context, Project(project).stage_dir(name))
        with tempfile.TemporaryDirectory(prefix="leadingtrusts-verify-") as out:
            build_trees(Project(project), {name: tree}, sources.member_texts(), Path(out))
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        raise PublishError(f"{failed}; see the errors above") from None
    except BuildFailed as error:
        for line in error.lines:
            print(line, file=sys.stderr)
        raise PublishError(f"{failed}; see the errors above") from None
    return tree


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
        lines.append(f"  versions in the branch: {shown}; the site root redirects to {LATEST}/")
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
        _deploy(project, repo, outcome, sources, selected)

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
