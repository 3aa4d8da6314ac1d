"""Documents made from the content besides the pages: each a file a visitor can fetch.

Each maker takes the sources and one build's context and returns Documents;
the stage writes them into the staged docs tree before it renders the pages,
so a page can link to a document with its size (`documents.<name>` in macros).
One table, MAKERS, lists them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the stage imports this package: only types come the other way
    from ..pipeline.context import StagedContext
    from ..pipeline.stage import Sources


@dataclass(frozen=True)
class Document:
    """One generated file: its bytes, or the cache file that holds them."""

    name: str  # how pages refer to it, e.g. "feed"
    path: str  # where it lives in the site, e.g. "feed_rss_created.xml"
    data: bytes = b""
    # A file in build/cache/, named by its content and never changed in place:
    # a build links it into the site rather than copying it through the stage
    # and the engine (a thousand share images would otherwise cost seconds).
    file: Path | None = None

    @property
    def size_kb(self) -> int:
        """Its size in whole kilobytes (at least 1), as a download link states it."""
        size = self.file.stat().st_size if self.file is not None else len(self.data)
        return max(1, round(size / 1000))

    def read(self) -> bytes:
        return self.file.read_bytes() if self.file is not None else self.data


def keep(path: Path, data: bytes) -> Path:
    """Write a cache file whole (builds running side by side never read half of one),
    with the permissions of any new file, since a site links it for any web server."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "wb") as stream:  # mode 0666 less the umask, like any new file
        stream.write(data)
    os.replace(temporary, path)
    return path


Maker = Callable[["Sources", "StagedContext"], list[Document]]


def make_documents(sources: Sources, context: StagedContext) -> dict[str, Document]:
    """Every document of one build, by name."""
    from . import calendar, feed, overview, share_images

    makers: tuple[Maker, ...] = (feed.documents, overview.documents, share_images.documents,
                                 calendar.documents)
    return {document.name: document for maker in makers for document in maker(sources, context)}
