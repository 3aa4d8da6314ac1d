"""Member-only thinkpieces: the public preview, and facts taken from the whole piece.

A member-only piece is split at its `<!-- more -->` marker: the part above is
its public preview, the rest is for members. The public tree is given only
the preview, so member-only text never enters the public build at all.
"""

from __future__ import annotations

import math
import re

from ..errors import ContentError, Problem
from .frontmatter import MarkdownSource

MORE = "<!-- more -->"
WORDS_PER_MINUTE = 265  # Material's blog default
_MARKUP = re.compile(r"(?m)^\s*(?:[-*+>#]+|\d+\.)\s")  # list, quote and heading markers
_TAG = re.compile(r"<[^>]+>")
_LINK_TARGET = re.compile(r"\]\([^)\n]*\)")


def split_preview(source: MarkdownSource) -> tuple[str, str]:
    """(preview body, the rest) of a thinkpiece; every thinkpiece needs the marker,
    because the index cards show what is above it."""
    head, found, rest = source.body.partition(MORE)
    if not found:
        what = ("a member-only piece needs a '<!-- more -->' line: everything above it is the "
                "public preview" if source.members_only else
                "a thinkpiece needs a '<!-- more -->' line: everything above it is its excerpt "
                "on the thinkpieces index")
        raise ContentError([Problem(source.name, source.body_line, 1, "", what)])
    return head, rest


def reading_minutes(body_markdown: str) -> int:
    """Minutes to read a whole piece at Material's default pace (at least one).

    Counted here rather than with Material's own helper because importing that
    helper imports MkDocs, and the stage must not depend on any engine. The
    words are counted in the Markdown itself, less link targets and tags:
    rendering every piece to HTML first would cost more than the engine's
    whole build of it, for the same minute.
    """
    text = _MARKUP.sub(" ", _TAG.sub(" ", _LINK_TARGET.sub("]", body_markdown)))
    return max(1, math.ceil(len(text.split()) / WORDS_PER_MINUTE))
