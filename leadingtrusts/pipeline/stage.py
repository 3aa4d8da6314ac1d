"""Step 1 of the pipeline: read every source once, then write one docs tree per audience.

`read_sources` loads and validates content/ and every page's front matter,
collecting every problem before it stops. `write_tree` then writes what one
audience may see into its own folder (build/stage/<audience>/ by default):

- the engine configuration (mkdocs.yml) and the theme overrides;
- every page with its macros rendered and its front matter made safe for the
  theme (texts escaped once, slug, reading time, description);
- in the public tree: no file of docs/members/, each member-only thinkpiece
  only as its preview with a call to sign in, and only the files that public
  text refers to (a PDF or image used only by member-only text stays out);
- the RSS feed of the thinkpieces.

The engine then builds that folder and nothing else, so whatever the engine,
its plugins or their bugs, it cannot publish what it was never given.
Files are rewritten only when their text changes, so a live preview watching
the folder reloads only what an edit touched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml
from pymdownx.slugs import slugify

from ..errors import ContentError, Problem, display_path
from ..pages.frontmatter import (MarkdownSource, as_html_text, check_authors, known_authors,
                                 read_markdown, staged_front_matter)
from ..pages.links import internal_links, locate_in_source
from ..pages.previews import MORE, reading_minutes, split_preview
from ..pages.structured_data import StructuredData, script_json
from ..pages.templating import MacroEnvironment, PageInfo, load_macros
from ..site.loading import SiteData, load_site
from ..documents import make_documents
from ..documents.share_images import card_path, page_title
from .context import LATEST, Settings, StagedContext, theme_context
from .sources import Project

POSTS_DIR = "thinkpieces/posts"
BLOG_URL = "thinkpieces/"
MEMBERS_DIR = "members"
AUTHORS_FILE = "thinkpieces/.authors.yml"
ASSETS_DIR = "assets/"
_post_slug = slugify(case="lower")  # the blog's own default, so addresses stay as they were
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's, when PyYAML has it


@dataclass(frozen=True)
class Page:
    """A validated page and the address it will have."""

    source: MarkdownSource
    url: str

    @property
    def docs_path(self) -> str:
        return self.source.docs_path

    @property
    def is_post(self) -> bool:
        return self.docs_path.startswith(POSTS_DIR + "/")

    @property
    def in_members_area(self) -> bool:
        return self.docs_path.startswith(MEMBERS_DIR + "/")

    @property
    def public(self) -> bool:
        """Whether the public tree gets this page (a member-only piece only as its preview)."""
        return not self.in_members_area

    @cached_property
    def info(self) -> PageInfo:
        """What the page's macros know of it."""
        meta = self.source.meta
        return PageInfo(self.url, meta.model_dump(mode="python") if meta else {})

    @cached_property
    def front_matter(self) -> str:
        """The staged front matter, the same for every audience (written once per page)."""
        extra: dict[str, Any] = {}
        if self.is_post:
            extra = {"slug": self.url[len(BLOG_URL):-1],
                     "readtime": reading_minutes(self.source.body)}
        return yaml.dump(staged_front_matter(self.source, **extra), Dumper=_Dumper,
                         allow_unicode=True, sort_keys=False, width=10_000)


@dataclass(frozen=True)
class MemberText:
    """Member-only Markdown, and the public preview of the same piece (if any)."""

    page: str  # the source, e.g. docs/thinkpieces/posts/growth-that-lasts.md
    text: str
    preview: str = ""


@dataclass
class Sources:
    """Everything the site is built from, read and validated once."""

    project: Project
    site: SiteData
    pages: list[Page]
    assets: list[str]  # docs paths of every other file under docs/
    authors: dict[str, str]
    engine_config: dict[str, Any]

    def member_texts(self) -> list[MemberText]:
        """Every member-only text: members' pages whole, and what follows the marker
        in member-only thinkpieces (with that piece's preview)."""
        texts = []
        for page in self.pages:
            if page.in_members_area:  # its title and summary are member-only too
                meta = page.source.meta
                head = f"# {meta.title}\n\n{meta.summary}\n\n" if meta else ""
                texts.append(MemberText(f"docs/{page.docs_path}", head + page.source.body))
            elif page.source.members_only:
                preview, rest = split_preview(page.source)
                texts.append(MemberText(f"docs/{page.docs_path}", rest, preview))
        return texts


@dataclass
class StagedTree:
    """One audience's docs tree, ready for an engine."""

    root: Path
    context: StagedContext
    pages: dict[str, str] = field(default_factory=dict)  # docs path -> url
    sources: dict[str, str] = field(default_factory=dict)  # url -> the editor's file
    linked_files: dict[str, Path] = field(default_factory=dict)  # site path -> cache file

    @property
    def config_file(self) -> Path:
        return self.root / "mkdocs.yml"

    @property
    def docs(self) -> Path:
        return self.root / "docs"


# --- reading ---------------------------------------------------------------------

def read_sources(project: Project) -> Sources:
    """Load content/ and every page under docs/; one ContentError lists every problem."""
    problems: list[Problem] = []
    site = None
    try:
        site = load_site(project.content)
    except ContentError as error:
        problems += error.problems
    engine_config = _engine_config(project)
    authors: dict[str, str] = {}
    try:
        authors = known_authors(project.docs / AUTHORS_FILE)
    except ContentError as error:
        problems += error.problems
    sources: list[MarkdownSource] = []
    assets: list[str] = []
    for path in sorted(p for p in project.docs.rglob("*") if p.is_file()):
        docs_path = path.relative_to(project.docs).as_posix()
        if docs_path == AUTHORS_FILE or any(part.startswith(".") for part in docs_path.split("/")):
            continue  # the authors file is read above; hidden files are no part of the site
        if path.suffix != ".md":
            assets.append(docs_path)
            continue
        try:
            source = read_markdown(path, docs_path)
            if docs_path.startswith(POSTS_DIR + "/"):
                check_authors(source, authors, f"docs/{AUTHORS_FILE}")
                split_preview(source)
                _check_reading_list_shown(source)
            sources.append(source)
        except ContentError as error:
            problems += error.problems
    pages, url_problems = _addresses(sources)
    problems += url_problems
    if problems:
        raise ContentError(problems)
    assert site is not None
    return Sources(project, site, pages, assets, authors, engine_config)


def _check_reading_list_shown(source: MarkdownSource) -> None:
    """Further reading in the front matter shows only where the piece calls the macro:
    listed but never shown is a mistake, not a silence."""
    if getattr(source.meta, "further_reading", None) and "reading_list(" not in source.body:
        raise ContentError([Problem(source.name, _key_line(source, "further_reading"), 1,
                                    "further_reading", "these works are never shown: add "
                                    "{{ reading_list() }} to the page where the list should "
                                    "appear (usually at the end)")])


def _engine_config(project: Project) -> dict[str, Any]:
    path = project.engine_config
    try:
        with path.open(encoding="utf-8") as stream:
            config = yaml.safe_load(stream)
    except (OSError, yaml.YAMLError) as error:
        raise ContentError([Problem(display_path(path), None, None, "",
                                    f"cannot read the engine configuration: {error}")]) from None
    return config or {}


def _addresses(sources: list[MarkdownSource]) -> tuple[list[Page], list[Problem]]:
    """Each page's address; two pages at one address are an error naming both files."""
    pages, problems, taken = [], [], {}
    for source in sources:
        url = _url(source)
        if url in taken:
            first = taken[url]
            problems.append(Problem(source.name, _key_line(source, "slug", "title"), None, "title",
                                    f"this page's address /{url} is already used by {first.name}; "
                                    "change one title, or give one a `slug:`"))
            continue
        taken[url] = source
        pages.append(Page(source, url))
    return pages, problems


def _key_line(source: MarkdownSource, *keys: str) -> int:
    """The front-matter line of the first of `keys` the page sets (else where its body starts)."""
    for key in keys:
        for number, line in enumerate(source.text.splitlines()[:source.body_line], 1):
            if line.startswith(f"{key}:"):
                return number
    return source.body_line


def _url(source: MarkdownSource) -> str:
    """The address a page is published at (directory URLs, as the engine writes them)."""
    if source.docs_path.startswith(POSTS_DIR + "/"):
        slug = getattr(source.meta, "slug", None) or _post_slug(source.title or "", "-")
        return f"{BLOG_URL}{slug}/"
    stem = source.docs_path[:-len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[:-len("index")]
    return stem + "/"


# --- writing one audience's tree -------------------------------------------------

def write_tree(sources: Sources, context: StagedContext, root: Path, *,
               link_files: bool = False) -> StagedTree:
    """Write the docs tree `context.audience` may see into `root`; returns what it holds.

    With `link_files`, documents kept in files of the cache are not written into
    the tree but listed in `linked_files`, for the build to link into the site
    after the engine (`make build`); an engine that builds the tree on its own
    (mike, a dev server) needs them written.
    """
    tree = StagedTree(root, context)
    macros = load_macros(sources.project.root, context)
    written: set[Path] = set()
    documents = make_documents(sources, context)
    macros.variables["documents"] = documents  # e.g. {{ documents.overview.size_kb }}
    structured_data = StructuredData(context, sources.authors)
    for document in documents.values():
        if link_files and document.file is not None:
            tree.linked_files[document.path] = document.file
        else:
            written.add(_write_bytes(tree.docs / document.path, document.read()))
    problems: list[Problem] = []
    public_text: list[tuple[str, str]] = []  # (docs path, rendered Markdown) the audience reads
    for page in sources.pages:
        if context.public and not page.public:
            continue
        tree.pages[page.docs_path] = page.url  # even if it fails below: links to it are fine
        tree.sources[page.url] = page.source.name
        try:
            text, readable = _staged_page(page, context, macros, structured_data)
        except ContentError as error:
            problems += error.problems
            continue
        written.add(_write(tree.docs / page.docs_path, text))
        public_text.append((page.docs_path, readable))
    assets = _assets_for(sources, context, public_text)
    files = set(assets) | {document.path for document in documents.values()}
    problems += _check_page_links(sources, tree, public_text, files)
    if problems:
        raise ContentError(problems)
    for asset in assets:
        written.add(_copy(sources.project.docs / asset, tree.docs / asset))
    written.add(_write(tree.docs / AUTHORS_FILE, _authors_file(sources)))
    written |= _copy_theme(sources.project.overrides, root / "overrides")
    written.add(_write(tree.config_file, _config_text(sources, context)))
    _remove_stale(root, written)
    return tree


def _staged_page(page: Page, context: StagedContext, macros: MacroEnvironment,
                 structured_data: StructuredData) -> tuple[str, str]:
    """(the staged file's text, the Markdown its audience reads) of one page."""
    source, info = page.source, page.info
    if context.public and source.members_only:
        preview, _ = split_preview(source)
        body = macros.render(preview, info, source.name, source.body_line)
        macros.page = info
        try:
            call = macros.render_partial("members_call_to_action")
        finally:
            macros.page = None
        body = f"{body}{MORE}\n\n{call}\n"
    else:
        body = macros.render(source.body, info, source.name, source.body_line)
    return f"---\n{_front_matter_with_head(page, context, structured_data)}---\n{body}", body


def _front_matter_with_head(page: Page, context: StagedContext,
                            structured_data: StructuredData) -> str:
    """The page's staged front matter, plus what the theme puts in its <head> for this
    build (overrides/main.html): its share image and the title on it, its kind, its JSON-LD.

    Added here, after `staged_front_matter` escaped every text as HTML, because
    the JSON-LD must not be: the theme prints it inside <script>, where an
    entity such as `&amp;` is not decoded. `script_json` makes it safe there
    instead (`<`, `>`, `&` as \\u escapes). It depends on the build (the cohort,
    the version's canonical address), so it is not cached with the rest.
    """
    title = page_title(page, context.site.programme.name)  # its heading, not its nav label
    head: dict[str, Any] = {"share_image": card_path(page.url), "share_title": as_html_text(title),
                            "og_type": "article" if page.is_post else "website"}
    data = structured_data.of(page)
    if data is not None:
        head["structured_data"] = script_json(data)
    shared = "" if page.front_matter.strip() == "{}" else page.front_matter  # no keys of its own
    return shared + yaml.dump(head, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                              width=1_000_000)


def _check_page_links(sources: Sources, tree: StagedTree, texts: list[tuple[str, str]],
                      files: set[str]) -> list[Problem]:
    """Links to pages or files (docs/ files and generated documents) this audience does not
    have, named where the editor wrote them."""
    problems = []
    by_path = {page.docs_path: page for page in sources.pages}
    for docs_path, text in texts:
        page = by_path[docs_path]
        for link in internal_links(text, docs_path, page.url):
            is_page = link.path.endswith(".md")
            is_file = not is_page and "." in link.path.rsplit("/", 1)[-1]
            if (is_page and link.path in tree.pages) or (is_file and link.path in files) \
                    or not (is_page or is_file):
                continue
            line, column = locate_in_source(page.source.text, link.target)
            hint = (" (member-only pages are not part of the public build)"
                    if link.path in by_path and not by_path[link.path].public else "")
            produced = "" if line else " (in text produced by a macro)"
            what = "page" if is_page else "file"
            problems.append(Problem(page.source.name, line, column, "",
                                    f"broken link: no {what} 'docs/{link.path}' for "
                                    f"'{link.target}'{hint}{produced}"))
    return problems


def _assets_for(sources: Sources, context: StagedContext,
                texts: list[tuple[str, str]]) -> list[str]:
    """The files under docs/ this audience gets besides its pages.

    The members' tree gets every file. The public tree gets a file only if
    public text or the engine configuration refers to it, or if it is one of
    the site's own assets (under docs/assets/) that no member-only text uses.
    """
    if not context.public:
        return sources.assets
    urls = {page.docs_path: page.url for page in sources.pages}
    used_publicly = _referenced(texts, urls) | _configured(sources)
    member_texts = [(p.docs_path, p.source.body) for p in sources.pages
                    if p.in_members_area or p.source.members_only]
    return [asset for asset in sources.assets
            if asset in used_publicly
            or (asset.startswith(ASSETS_DIR) and not _mentioned(asset, member_texts, urls))]


def _mentioned(asset: str, texts: list[tuple[str, str]], urls: dict[str, str]) -> bool:
    """Whether any of `texts` refers to `asset` (only texts naming its file are parsed)."""
    name = asset.rsplit("/", 1)[-1]
    return asset in _referenced(((path, text) for path, text in texts if name in text), urls)


def _referenced(texts: Iterable[tuple[str, str]], urls: dict[str, str]) -> set[str]:
    """Every docs path that `texts` (docs path, Markdown) refer to; `urls` are their addresses."""
    return {link.path for docs_path, text in texts
            for link in internal_links(text, docs_path, urls.get(docs_path)) if link.path}


def _configured(sources: Sources) -> set[str]:
    """Files the engine configuration and the authors file name (logo, styles, avatars)."""
    config = sources.engine_config
    theme = config.get("theme") or {}
    named = [theme.get("logo"), theme.get("favicon"), *(config.get("extra_css") or []),
             *(config.get("extra_javascript") or [])]
    return {n for n in named if isinstance(n, str)}


def _authors_file(sources: Sources) -> str:
    data = yaml.safe_load((sources.project.docs / AUTHORS_FILE).read_text(encoding="utf-8"))
    authors = {key: {k: as_html_text(v) if isinstance(v, str) and k != "avatar" else v
                     for k, v in (value or {}).items()}
               for key, value in data["authors"].items()}
    return yaml.safe_dump({"authors": authors}, allow_unicode=True, sort_keys=False)


def _config_text(sources: Sources, context: StagedContext) -> str:
    """The engine configuration of this tree: the shared one, plus what this build is."""
    config = dict(sources.engine_config)
    config.update({"docs_dir": "docs", "site_dir": "site", "site_url": context.settings.site_url,
                   "strict": True})
    config["theme"] = {**(config.get("theme") or {}), "custom_dir": "overrides"}
    extra = dict(config.get("extra") or {})
    extra["edition"] = theme_context(context)
    plugins = list(config.get("plugins") or [])
    if context.versioned:
        extra["version"] = {"provider": "mike", "default": LATEST, "alias": True}
        plugins.append({"mike": {"alias_type": "copy", "canonical_version": LATEST,
                                 "version_selector": True}})
    config["extra"], config["plugins"] = extra, plugins
    header = ("# Written by the stage (leadingtrusts/pipeline/stage.py) from the project's "
              "mkdocs.yml; do not edit.\n")
    return header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=10_000)


# --- files -----------------------------------------------------------------------

def _write(path: Path, text: str) -> Path:
    """Write `text` unless the file already holds it (keeps a live preview calm)."""
    return _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` unless the file already holds it."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return path
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _copy(source: Path, target: Path) -> Path:
    if not (target.is_file() and target.stat().st_size == source.stat().st_size
            and target.read_bytes() == source.read_bytes()):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return target


def _copy_theme(overrides: Path, target: Path) -> set[Path]:
    """The theme overrides; the macros' partials stay behind (the stage has used them)."""
    written = set()
    for path in overrides.rglob("*"):
        relative = path.relative_to(overrides)
        if path.is_file() and relative.parts[:2] != ("partials", "content") \
                and "__pycache__" not in relative.parts:
            written.add(_copy(path, target / relative))
    return written


def _remove_stale(root: Path, keep: set[Path]) -> None:
    """Delete whatever an earlier staging left that this one did not write."""
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


# From this many pages on, the trees are written side by side, one per core:
# a forked process costs a few hundredths of a second, a large tree most of one.
PARALLEL_FROM_PAGES = 200
_forked_sources: Sources | None = None  # what a forked writer inherits, unpickled


def stage(project: Project, contexts: dict[str, StagedContext], sources: Sources | None = None,
          *, parallel_from: int = PARALLEL_FROM_PAGES,
          link_files: bool = False) -> dict[str, StagedTree]:
    """Read the sources (unless given) and write one tree per named context."""
    global _forked_sources
    sources = sources or read_sources(project)
    roots = {name: project.stage_dir(name) for name in contexts}
    if len(contexts) < 2 or len(sources.pages) < parallel_from or os.cpu_count() == 1:
        return {name: write_tree(sources, context, roots[name], link_files=link_files)
                for name, context in contexts.items()}
    _forked_sources = sources
    try:
        with ProcessPoolExecutor(len(contexts) - 1, mp_context=get_context("fork")) as pool:
            names = list(contexts)
            others = {name: pool.submit(_write_forked, contexts[name], roots[name], link_files)
                      for name in names[1:]}
            trees = {names[0]: write_tree(sources, contexts[names[0]], roots[names[0]],
                                          link_files=link_files)}
            trees.update({name: future.result() for name, future in others.items()})
    finally:
        _forked_sources = None
    return {name: trees[name] for name in contexts}


def _write_forked(context: StagedContext, root: Path, link_files: bool) -> StagedTree:
    """write_tree in a forked process, on the sources it inherited."""
    assert _forked_sources is not None
    return write_tree(_forked_sources, context, root, link_files=link_files)


def pick_context(sources: Sources, audience: str, cohort_id: str | None, now: dt.datetime,
                 settings: Settings, versioned: bool = False) -> StagedContext:
    """The context of one audience's build of `cohort_id` (the latest when None)."""
    return StagedContext(sources.site, sources.site.cohort(cohort_id), audience, now, settings,
                         versioned)

