"""Share images: one 1200×630 PNG card per page, shown when a page is linked on social media.

Drawn with Pillow in a font from an installed package (DejaVu Sans, found with
fontconfig, else the font Pillow itself ships), so a build never fetches a
font. Each card shows the programme's name on a brand band, the page's title
and a footer of up to two lines; a member-only thinkpiece's card also says
"Members".

Cards are deterministic (same inputs, same bytes: Pillow's PNG writer adds no
timestamp) and small (a palette of 64 colours, about 20 KB). Drawing one takes
3 to 4 ms, a few seconds for a thousand thinkpieces, so each card is kept in
build/cache/share-images/, named by a hash of everything drawn on it and of the
fonts: a later build reads it back (a thousand in a few hundredths of a second).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PIL import Image, ImageDraw, ImageFont

from ..site.wording import long_date
from . import Document, keep

if TYPE_CHECKING:
    from ..pipeline.context import StagedContext
    from ..pipeline.stage import Page, Sources

WIDTH, HEIGHT = 1200, 630
SHARE_DIR = "assets/share/"
# The card of pages the stage does not write (the blog's topic and archive
# pages, 404): the theme (overrides/main.html) names this path too.
SITE_CARD = SHARE_DIR + "site.png"
DRAWING_VERSION = "2"  # change when the drawing changes, so cached cards are redrawn

TEAL, AMBER = (0x0b, 0x55, 0x63), (0xe0, 0xa1, 0x00)  # the brand's colours
INK, PAPER, WHITE = (0x10, 0x26, 0x2a), (0xf7, 0xf9, 0xf9), (0xff, 0xff, 0xff)
# A card is drawn in greyscale whose values are indices into its palette. Each
# area has one background and one colour of text, and owns RAMP indices that run
# from the one to the other, so a letter's soft edge is drawn in exact blends of
# its two colours, with no quantising (and less work than drawing in colour).
RAMP = 16
AREAS = {"title": (PAPER, INK), "footer": (PAPER, TEAL), "band": (TEAL, WHITE),
         "mark": (AMBER, INK)}
MARGIN = 72
BAND_HEIGHT = 132
# (font size, most lines) for the title: the first in which it fits, above the footer.
TITLE_FITS = ((66, 3), (56, 4), (48, 5))
PNG_COMPRESSION = 3  # zlib level: 6 makes cards a quarter smaller and drawing a third slower


@dataclass(frozen=True)
class Card:
    """Everything drawn on one card (and so the key of its cached image)."""

    programme: str
    title: str
    footer: str
    members: bool = False


def card_path(url: str) -> str:
    """Where the card of the page at `url` lives in the site, e.g.
    'programme/price/' -> 'assets/share/programme/price/card.png'."""
    return f"{SHARE_DIR}{url}card.png"


def page_title(page: Page, site_name: str) -> str:
    """The title a card shows: the front matter's, else the page's first heading."""
    if page.source.title:
        return page.source.title
    heading = re.search(r"^#[ \t]+(.+?)[ \t#]*$", page.source.body, re.M)
    if heading:
        text = re.sub(r"\s*\{[^}]*\}$", "", heading.group(1))  # an attribute list, {#id .class}
        if "{{" not in text and "{%" not in text:
            return re.sub(r"[*_`]", "", text).strip()
    return site_name


def documents(sources: Sources, context: StagedContext) -> list[Document]:
    """A card for every page this audience gets, and the site's own card."""
    programme = context.site.programme
    host = urlsplit(context.settings.site_url).netloc
    cards = {SITE_CARD: Card(programme.name, programme.tagline, host)}
    for page in sources.pages:
        if context.public and not page.public:
            continue  # a members' page's title is member-only
        cards[card_path(page.url)] = page_card(page, programme.name, programme.tagline)
    cache_dir = sources.project.cache_dir("share-images")
    return [Document(f"share_image:{path}", path, file=cached_png(card, cache_dir))
            for path, card in cards.items()]


def page_card(page: Page, programme: str, tagline: str) -> Card:
    """What the card of one page says."""
    title = page_title(page, programme)
    if page.is_post:
        footer = f"Thriving Trusts thinkpiece · {long_date(page.source.meta.date)}"
        return Card(programme, title, footer, page.source.members_only)
    return Card(programme, title, tagline)


# --- the cache ---------------------------------------------------------------------

def cached_png(card: Card, cache_dir: Path) -> Path:
    """The file of the card's PNG, drawn unless the cache has it (drawn with these fonts)."""
    key = hashlib.sha256(json.dumps([DRAWING_VERSION, _fonts().identity, asdict(card)],
                                    sort_keys=True).encode("utf-8")).hexdigest()
    path = cache_dir / key[:2] / f"{key}.png"
    if path.is_file():
        return path
    data = draw(card)
    return keep(path, data)


# --- drawing -----------------------------------------------------------------------

@dataclass(frozen=True)
class Fonts:
    """The font files cards are drawn in (None: the font Pillow ships)."""

    bold: Path | None
    regular: Path | None

    @cached_property
    def identity(self) -> list[str]:
        """What distinguishes these fonts, for the cache key: their files' hashes."""
        return [hashlib.sha256(path.read_bytes()).hexdigest() if path else "pillow-default"
                for path in (self.bold, self.regular)]

    def font(self, bold: bool, size: int) -> ImageFont.FreeTypeFont:
        """The font at `size` pixels; the basic layout, which no system library changes."""
        path = self.bold if bold else self.regular
        if path is None:
            return ImageFont.load_default(size=size)
        return _truetype(str(path), size)


@cache
def _truetype(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


@cache
def _fonts() -> Fonts:
    """DejaVu Sans, as fontconfig finds it, else Pillow's own font."""
    return Fonts(_font_file("DejaVu Sans:bold"), _font_file("DejaVu Sans"))


def _font_file(pattern: str) -> Path | None:
    """The file fontconfig gives for `pattern`, if it is the DejaVu font asked for."""
    if not shutil.which("fc-match"):
        return None
    found = subprocess.run(["fc-match", "--format=%{file}", pattern], capture_output=True,
                           text=True, check=False).stdout.strip()
    path = Path(found) if found else None
    wanted = "DejaVuSans-Bold." if "bold" in pattern else "DejaVuSans."
    return path if path and path.name.startswith(wanted) and path.is_file() else None


def draw(card: Card) -> bytes:
    """The card as PNG bytes."""
    fonts = _fonts()
    image = Image.new("L", (WIDTH, HEIGHT), _background("title"))
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, WIDTH, BAND_HEIGHT), fill=_background("band"))
    pen.rectangle((0, BAND_HEIGHT, WIDTH, BAND_HEIGHT + 12), fill=_background("mark"))
    pen.text((MARGIN, BAND_HEIGHT // 2), card.programme, font=fonts.font(True, 48),
             fill=_ink("band"), anchor="lm")
    if card.members:
        _members_mark(pen, fonts)
    title_font, lines = _fitted_title(card.title, fonts)
    spacing = round(title_font.size * 1.22)
    top = BAND_HEIGHT + 12 + 48
    for number, line in enumerate(lines):
        pen.text((MARGIN, top + number * spacing), line, font=title_font, fill=_ink("title"),
                 anchor="la")
    pen.rectangle((MARGIN, HEIGHT - 112, MARGIN + 96, HEIGHT - 106), fill=_background("mark"))
    pen.rectangle((0, HEIGHT - 100, WIDTH, HEIGHT), fill=_background("footer"))
    footer_font = fonts.font(False, 26)
    for number, line in enumerate(_wrapped(card.footer, footer_font, WIDTH - 2 * MARGIN, 2)):
        pen.text((MARGIN, HEIGHT - 80 + number * 34), line, font=footer_font,
                 fill=_ink("footer"), anchor="lm")
    coloured = Image.frombytes("P", image.size, image.tobytes())
    coloured.putpalette(_palette())
    output = io.BytesIO()
    coloured.save(output, "PNG", compress_level=PNG_COMPRESSION)
    return output.getvalue()


def _background(area: str) -> int:
    """The palette index of an area's background."""
    return list(AREAS).index(area) * RAMP


def _ink(area: str) -> int:
    """The palette index of an area's text colour."""
    return _background(area) + RAMP - 1


@cache
def _palette() -> list[int]:
    """Each area's ramp from its background to its text colour, as RGB values."""
    colours = [tuple(round(b + (f - b) * step / (RAMP - 1)) for b, f in zip(back, front))
               for back, front in AREAS.values() for step in range(RAMP)]
    return [channel for colour in colours for channel in colour]


def _members_mark(pen: ImageDraw.ImageDraw, fonts: Fonts) -> None:
    """An amber "Members" label at the right of the band."""
    font = fonts.font(True, 32)
    text = "Members"
    width = font.getlength(text)
    right, middle = WIDTH - MARGIN, BAND_HEIGHT // 2
    pen.rounded_rectangle((right - width - 48, middle - 30, right, middle + 30), radius=30,
                          fill=_background("mark"))
    pen.text((right - 24, middle), text, font=font, fill=_ink("mark"), anchor="rm")


def _fitted_title(title: str, fonts: Fonts) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest title font at which the title fits; at the smallest, cut with an ellipsis."""
    for size, most in TITLE_FITS:
        font = fonts.font(True, size)
        lines = _wrapped(title, font, WIDTH - 2 * MARGIN, most)
        if " ".join(lines) == " ".join(title.split()):
            return font, lines
    return font, lines


def _wrapped(text: str, font: ImageFont.FreeTypeFont, width: int, most: int) -> list[str]:
    """`text` in at most `most` lines no wider than `width`; the last cut with '…' if need be."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        elif len(lines) < most:
            lines.append(word)
        else:
            lines[-1] = _ellipsised(lines[-1] + " " + word, font, width)
            break
    return [_ellipsised(line, font, width) if font.getlength(line) > width else line
            for line in lines] or [""]


def _ellipsised(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """`text` cut to end in '…' within `width`: by whole words, unless one is too wide."""
    while " " in text and font.getlength(text + "…") > width:
        text = text.rsplit(" ", 1)[0].rstrip()
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip(" ,;:.") + "…"
