"""The leadingtrusts MkDocs plugin: event hooks only.

The work each hook does lives in plain modules (content, thinkpieces,
pagechecks, leakcheck) so that it survives a move away from MkDocs plugins.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from copy import copy
from pathlib import Path
from types import SimpleNamespace

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from . import schema
from .config import LeadingTrustsConfig
from .content import Cohort, SiteData, load_site
from .errors import ContentError, Problem, display_path
from .leakcheck import Sentence, scan_site
from .pagechecks import Link, check_template, internal_links, locate_in_source
from .render import DeadlineStatus, build_time
from .thinkpieces import (FRONT_MATTER, check_authors, collect_member_sentences, known_authors,
                          preview_document, read_markdown, reading_minutes, split_preview)

MIKE_VERSION = "MIKE_DOCS_VERSION"  # set by `mike deploy` while it builds one version
CALL_TO_ACTION = "{{ members_call_to_action() }}"


class LeadingTrustsPlugin(BasePlugin[LeadingTrustsConfig]):
    supports_multiple_instances = False

    site: SiteData
    cohort: Cohort
    deadline: DeadlineStatus

    def __init__(self) -> None:
        self._previews: str | None = None
        self._member_sentences: list[Sentence] = []
        self._readtimes: dict[str, int] = {}
        self._links: list[tuple[Page, Link]] = []

    # --- configuration: load and validate content/ once per build ---

    def _load_content(self, config: MkDocsConfig) -> MkDocsConfig:
        content_dir = Path(config.config_file_path or ".").parent / self.config.content_dir
        try:
            self.site = load_site(content_dir)
            self.cohort = self.site.cohort(os.environ.get(MIKE_VERSION) or self.config.cohort)
            now = build_time(self.config.now)
        except ContentError as error:
            raise PluginError(str(error)) from None
        except ValueError as error:
            raise PluginError(f"mkdocs.yml: plugins.leadingtrusts.now: {error}") from None
        self.deadline = DeadlineStatus(self.cohort.deadline, now)
        self._docs_dir = display_path(config.docs_dir)
        if not self.versioned:
            # Material's version selector fetches ../versions.json, which only
            # exists in a site published with mike.
            config.extra.pop("version", None)
        config.watch.append(str(content_dir))
        self._cleanup()
        self._member_sentences, self._readtimes, self._links = [], {}, []
        return config

    @event_priority(-100)  # after mkdocs-macros has built its Jinja environment
    def _escape_macros(self, config: MkDocsConfig) -> MkDocsConfig:
        """Text typed into YAML is shown as text: `<script>` is escaped, never run.

        mkdocs-macros creates its Jinja environment after `define_env`, so
        autoescape is switched on here, before any template is compiled.
        """
        macros = config.plugins.get("macros")
        if macros is not None:
            macros.env.autoescape = True
        return config

    on_config = CombinedEvent(_load_content, _escape_macros)

    @property
    def public(self) -> bool:
        return self.config.audience == "public"

    @property
    def versioned(self) -> bool:
        return bool(os.environ.get(MIKE_VERSION))

    # --- files: keep member-only text out of the public build ---

    @event_priority(100)  # before the blog plugin (-50) reads any post
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        problems: list[Problem] = []
        try:
            authors = self._authors(config)
        except ContentError as error:
            raise PluginError(str(error)) from None
        for file in list(files):
            try:
                if self._is_members_file(file):
                    self._members_page(file, files)
                elif file.is_documentation_page() and file.src_uri.startswith(
                        self.config.thinkpieces_dir + "/"):
                    self._thinkpiece(file, files, config, authors)
                elif file.is_documentation_page() and FRONT_MATTER.match(file.content_string):
                    read_markdown(Path(file.abs_src_path), schema.PageMeta)
            except ContentError as error:
                problems.extend(error.problems)
        if problems:
            raise PluginError(str(ContentError(problems)))
        # The same collection `publish` checks the gh-pages branch against; every
        # file it reads was validated just above.
        docs = Path(config.docs_dir)
        try:
            self._member_sentences = collect_member_sentences(
                docs, self.config.members_dir, self.config.thinkpieces_dir,
                self.config.more_marker, relative_to=docs)
        except ContentError as error:
            raise PluginError(str(error)) from None
        return files

    def _is_members_file(self, file: File) -> bool:
        return file.src_uri.startswith(self.config.members_dir + "/")

    def _members_page(self, file: File, files: Files) -> None:
        """A members' resource: validated, and left out of the public build entirely."""
        if file.is_documentation_page():
            read_markdown(Path(file.abs_src_path), schema.MembersPageMeta)
        if self.public:
            files.remove(file)

    def _thinkpiece(self, file: File, files: Files, config: MkDocsConfig,
                    authors: set[str] | None) -> None:
        """A thinkpiece: a member-only one is replaced by its preview in the public build."""
        source = read_markdown(Path(file.abs_src_path), schema.ThinkpieceMeta)
        check_authors(source, authors)
        if not source.members_only:
            return
        split_preview(source, self.config.more_marker)  # fails without a marker
        blog = config.plugins.get("material/blog")
        if blog is not None:
            self._readtimes[file.src_uri] = reading_minutes(
                source.body, blog.config.post_readtime_words_per_minute)
        if self.public:
            preview = Path(self._preview_dir(), file.src_uri)
            preview.parent.mkdir(parents=True, exist_ok=True)
            preview.write_text(preview_document(source, self.config.more_marker, CALL_TO_ACTION),
                               encoding="utf-8")
            files.remove(file)
            files.append(File(file.src_uri, str(self._preview_dir()), config.site_dir,
                              config.use_directory_urls))

    def _authors(self, config: MkDocsConfig) -> set[str] | None:
        """Author ids declared in the blog's authors file, if the blog plugin is on."""
        blog = config.plugins.get("material/blog")
        if blog is None:
            return None
        blog_dir = blog.config.blog_dir
        path = Path(config.docs_dir, blog.config.authors_file.format(blog=blog_dir))
        return known_authors(path)

    def _preview_dir(self) -> str:
        if self._previews is None:
            self._previews = tempfile.mkdtemp(prefix="leadingtrusts-previews-")
        return self._previews

    # --- pages: clear errors before mkdocs-macros renders, links checked after ---

    @event_priority(50)  # before mkdocs-macros (0), so its traceback never shows
    def _prepare_page(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if "summary" in page.meta:
            page.meta.setdefault("description", page.meta["summary"])
        if page.file.src_uri in self._readtimes and hasattr(page, "config"):
            page.config.readtime = self._readtimes[page.file.src_uri]  # a blog post
        macros = config.plugins.get("macros")
        if macros is not None and macros.has_j2(markdown):
            variables = copy(macros.variables)
            variables["page"] = page
            variables.update(page.meta)
            problem = check_template(macros.env, markdown, variables, self._display(page),
                                     self._body_line(page, markdown))
            if problem:
                raise PluginError(str(problem))
        return markdown

    @event_priority(-100)  # after macros have rendered, so generated links count too
    def _check_links(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> None:
        problems = []
        for link in internal_links(markdown, page.file.src_uri):
            line, column = locate_in_source(page.file.content_string, link.target)
            link = Link(link.target, link.path, link.anchor, line, column)
            produced = "" if line is not None else " (in text produced by a macro)"
            if link.path and files.get_file_from_path(link.path) is None:
                hint = (" (member-only pages are not part of the public build)"
                        if link.path.startswith(self.config.members_dir + "/") and self.public else "")
                problems.append(Problem(self._display(page), line, column, "",
                                        f"broken link: no page '{link.path}' for "
                                        f"'{link.target}'{hint}{produced}"))
            elif link.anchor:
                self._links.append((page, link))
        if problems:
            raise PluginError(str(ContentError(problems)))

    on_page_markdown = CombinedEvent(_prepare_page, _check_links)

    def on_env(self, env, config: MkDocsConfig, files: Files):
        """Check anchors now that every page is rendered; give templates their context."""
        problems = []
        for page, link in self._links:
            target = page if not link.path else files.get_file_from_path(link.path).page
            anchors = getattr(target, "present_anchor_ids", None) or set()
            if target is not None and link.anchor not in anchors:
                problems.append(Problem(self._display(page), link.line, link.column, "",
                                        f"broken link: '{link.target}' points at no heading or "
                                        f"anchor '#{link.anchor}'"))
        if problems:
            raise PluginError(str(ContentError(problems)))
        env.globals["lt"] = SimpleNamespace(
            audience=self.config.audience, cohort=self.cohort, latest=self.site.latest,
            is_latest=self.cohort is self.site.latest, versioned=self.versioned,
            members_url=self.config.members_url)
        return env

    # --- after the build: prove nothing member-only got out ---

    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.public and self.config.leak_check:
            leaks = scan_site(Path(config.site_dir), self._member_sentences)
            if leaks:
                shown = "\n".join(str(leak) for leak in leaks[:20])
                more = f"\n... and {len(leaks) - 20} more" if len(leaks) > 20 else ""
                raise PluginError(f"leak check failed: member-only text in the public build\n"
                                  f"{shown}{more}")
        self._cleanup()

    def on_build_error(self, error: Exception) -> None:
        self._cleanup()

    def on_shutdown(self) -> None:
        self._cleanup()

    # --- helpers ---

    def _cleanup(self) -> None:
        if self._previews:
            shutil.rmtree(self._previews, ignore_errors=True)
            self._previews = None

    def _display(self, page: Page) -> str:
        """The page's path as the editor knows it, e.g. docs/programme/price.md
        (also for a preview, whose file really sits in a temporary folder)."""
        return f"{self._docs_dir}/{page.file.src_uri}"

    @staticmethod
    def _body_line(page: Page, markdown: str) -> int:
        """The file line on which `markdown` (the page body) starts."""
        return page.file.content_string.count("\n") - markdown.count("\n") + 1
