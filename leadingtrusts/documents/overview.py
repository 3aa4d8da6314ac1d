"""Each cohort's full programme overview as a tagged A4 PDF (PDF/UA-1), made with WeasyPrint.

The HTML comes from leadingtrusts/templates/overview.html, fed the same
objects and wording filters as the pages' partials, so the PDF cannot say
anything the site does not. Rendering takes a quarter of a second (half a
second more to import WeasyPrint), so the PDF is cached under build/cache/,
keyed by a hash of everything it is made from: a rebuild, the other audience's
tree or a live-preview re-stage with nothing changed reuses it in a millisecond.

WeasyPrint only ever reads local files: fonts through fontconfig (Debian's
packages, see `make system`), the logo from docs/. Any other address, and
any warning WeasyPrint logs, stops the build with one line.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError

from ..errors import ContentError, Problem, display_path
from ..pipeline.context import page_variables
from ..site.wording import FILTERS
from . import Document, keep

if TYPE_CHECKING:
    from ..pipeline.context import StagedContext
    from ..pipeline.stage import Sources

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "overview.html"
STYLESHEET = "overview.css"
PDF_VARIANT = "pdf/ua-1"  # tagged, with title, language and XMP metadata
MAX_BYTES = 300_000  # a download a visitor on a phone will not think twice about
LOCAL_SCHEMES = frozenset({"file", "data"})
T = TypeVar("T")


def overview_path(cohort_id: str) -> str:
    """Where a cohort's overview lives in its site, e.g. downloads/leadingtrusts-cohort-3-...pdf."""
    return f"downloads/leadingtrusts-{cohort_id}-programme-overview.pdf"


def documents(sources: Sources, context: StagedContext) -> list[Document]:
    """The overview of the build's cohort, as one document."""
    html = render_html(sources, context)
    stylesheet = (TEMPLATES / STYLESHEET).read_text(encoding="utf-8")
    key = _cache_key(html, stylesheet, _logo_bytes(sources))
    cached = sources.project.cache_dir("overview") / f"{context.cohort.id}-{key}.pdf"
    if cached.is_file():
        return [Document("overview", overview_path(context.cohort.id), cached.read_bytes())]
    data = render_pdf(html, stylesheet, sources.project.docs)
    if len(data) > MAX_BYTES:
        raise _problem(f"the programme overview PDF is {len(data) / 1000:.0f} KB, over its "
                       f"{MAX_BYTES // 1000} KB limit (see its fonts and images)", STYLESHEET)
    _store(cached, data)
    return [Document("overview", overview_path(context.cohort.id), data)]


@cache
def _environment(folder: Path, partials: Path) -> Environment:
    """The templates' environment: autoescaped, strict, with the site's wording filters."""
    # The site's partials too: the lists the pages show (objectives, inclusions,
    # criteria, steps) come from the same templates, so the two cannot differ.
    environment = Environment(loader=FileSystemLoader([str(folder), str(partials)]),
                              autoescape=True, undefined=StrictUndefined,
                              keep_trailing_newline=True)
    environment.filters.update(FILTERS)
    return environment


def render_html(sources: Sources, context: StagedContext) -> str:
    """The overview's HTML for the build's cohort; a template mistake is one line."""
    try:
        partials = sources.project.overrides / "partials" / "content"
        return _environment(TEMPLATES, partials).get_template(TEMPLATE).render(
            **page_variables(context), logo=_logo(sources), site_url=context.settings.site_url)
    except TemplateError as error:
        line = getattr(error, "lineno", None) or _template_line(error)
        raise ContentError([Problem(display_path(TEMPLATES / TEMPLATE), line, None, "",
                                    f"the programme overview could not be written: "
                                    f"{type(error).__name__}: {error}")]) from None


def _template_line(error: BaseException) -> int | None:
    """The line of overview.html at which rendering failed (Jinja's traceback names it)."""
    line, traceback = None, error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == str(TEMPLATES / TEMPLATE):
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def render_pdf(html: str, stylesheet: str, base: Path) -> bytes:
    """The PDF of `html` styled by `stylesheet`, reading files relative to `base` only."""
    weasyprint = _weasyprint()
    base_url = base.resolve().as_uri() + "/"
    # Every address goes through this fetcher, the fonts of @font-face included:
    # a local file or nothing, and a file that cannot be read stops the build.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=LOCAL_SCHEMES, fail_on_errors=True)
    fonts = weasyprint.text.fonts.FontConfiguration()
    css = _step(STYLESHEET, lambda: weasyprint.CSS(
        string=stylesheet, base_url=base_url, url_fetcher=fetcher, font_config=fonts))
    # No dcterms.created/modified in the HTML: the PDF carries no dates, so the
    # same content always makes the same bytes.
    return _step(TEMPLATE, lambda: weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=[css], font_config=fonts, pdf_variant=PDF_VARIANT, pdf_identifier=False))


def _weasyprint() -> ModuleType:
    """WeasyPrint, imported when first needed: it loads Pango as it is imported, which
    takes 0.3 s, and a machine without Pango should get one line, not a traceback."""
    try:
        import weasyprint
        import weasyprint.text.fonts
        import weasyprint.urls
    except OSError as error:
        raise _problem(f"WeasyPrint cannot start, so the programme overview PDF cannot be "
                       f"made: {error} (`make system` installs what it needs)") from None
    return weasyprint


def _step(file: str, action: Callable[[], T]) -> T:
    """`action()`; a failure or a warning of WeasyPrint's is one line naming `file`."""
    try:
        with _weasyprint_warnings() as warnings:
            result = action()
    except BaseException as error:  # WeasyPrint's fatal fetch error is a BaseException
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        cause = error.__cause__ or error
        raise _problem(f"the programme overview PDF could not be made: "
                       f"{type(cause).__name__}: {cause}", file) from None
    if warnings:
        raise _problem(f"the programme overview PDF could not be made cleanly: {warnings[0]}",
                       file)
    return result


@contextmanager
def _weasyprint_warnings() -> Iterator[list[str]]:
    """Collect what WeasyPrint logs at WARNING or above (bad CSS, unreadable files)."""
    found: list[str] = []

    class Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Collector(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield found
    finally:
        logger.removeHandler(handler)


def _problem(message: str, file: str = TEMPLATE) -> ContentError:
    """A failure of the overview, named at its template or stylesheet."""
    return ContentError([Problem(display_path(TEMPLATES / file), None, None, "", message)])


def _logo(sources: Sources) -> str:
    """The site's logo as a path under docs/ (mkdocs.yml's theme.logo), or '' if it has none."""
    logo = (sources.engine_config.get("theme") or {}).get("logo")
    if isinstance(logo, str) and (sources.project.docs / logo).is_file():
        return logo
    return ""


def _logo_bytes(sources: Sources) -> bytes:
    logo = _logo(sources)
    return (sources.project.docs / logo).read_bytes() if logo else b""


def _cache_key(html: str, stylesheet: str, logo: bytes) -> str:
    """A hash of everything the PDF is made from: its inputs, this maker's code and
    WeasyPrint's version."""
    digest = hashlib.sha256()
    # The version from the package's metadata: importing WeasyPrint takes 0.3 s,
    # which a build that finds its PDF in the cache should not pay.
    for part in (version("weasyprint"), Path(__file__).read_text(encoding="utf-8"),
                 html, stylesheet):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(logo)
    return digest.hexdigest()[:20]


def _store(cache: Path, data: bytes) -> None:
    """Write `cache` atomically, dropping this cohort's older entries."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    cohort = cache.name.rsplit("-", 1)[0]
    for stale in cache.parent.glob(f"{cohort}-*.pdf"):
        if stale.name.rsplit("-", 1)[0] == cohort:
            stale.unlink(missing_ok=True)
    keep(cache, data)
