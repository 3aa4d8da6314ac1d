"""Documents made from the content besides the pages: each a file a visitor can fetch.

Each maker takes the sources and one build's context and returns Documents;
the stage writes them into the staged docs tree before it renders the pages,
so a page can link to a document with its size (`documents.<name>` in macros).
One table, MAKERS, lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the stage imports this package: only types come the other way
    from ..pipeline.context import StagedContext
    from ..pipeline.stage import Sources


@dataclass(frozen=True)
class Document:
    """One generated file."""

    name: str  # how pages refer to it, e.g. "feed"
    path: str  # where it lives in the site, e.g. "feed_rss_created.xml"
    data: bytes

    @property
    def size_kb(self) -> int:
        """Its size in whole kilobytes (at least 1), as a download link states it."""
        return max(1, round(len(self.data) / 1000))


Maker = Callable[["Sources", "StagedContext"], list[Document]]


def make_documents(sources: Sources, context: StagedContext) -> dict[str, Document]:
    """Every document of one build, by name."""
    from . import calendar, feed, overview, share_images

    makers: tuple[Maker, ...] = (feed.documents, overview.documents, share_images.documents,
                                 calendar.documents)
    return {document.name: document for maker in makers for document in maker(sources, context)}
