"""JSON-LD and link previews: what search engines and social sites read of each built page.

Values are compared with the editors' files, read here as plain YAML (every
scalar a string), not through the build's own models.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from PIL import Image

from leadingtrusts.documents import share_images
from leadingtrusts.pages.structured_data import StructuredData
from leadingtrusts.pipeline.context import Settings, build_time
from leadingtrusts.pipeline.leakcheck import LeakIndex
from leadingtrusts.pipeline.sources import Project
from leadingtrusts.pipeline.stage import pick_context, read_sources

from projects import copy_project

LONDON = ZoneInfo("Europe/London")
SITE_URL = Settings.load(Path(__file__).resolve().parents[1]).site_url  # what the builds get
PROGRAMME_URLS = ("", "programme/schedule/", "programme/price/", "programme/apply/")
PREVIEW_TAGS = ("og:type", "og:site_name", "og:locale", "og:title", "og:description", "og:url",
                "og:image", "og:image:width", "og:image:height", "og:image:alt",
                "twitter:card", "twitter:title", "twitter:description", "twitter:image")
HOSTILE_TITLE = 'Growth </script><script>alert("x")</script> & "more" <b>bold</b> &amp;'
HOSTILE_SUMMARY = "A summary with </script> in it, & an ampersand, \"quotes\" and &lt; typed."


class Head(HTMLParser):
    """A built page's link-preview tags, JSON-LD scripts, canonical link and classes."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.scripts: list[str] = []
        self.canonical: str | None = None
        self.classes: set[str] = set()
        self._in_json_ld = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.classes.update((values.get("class") or "").split())
        if tag == "meta" and (values.get("property") or values.get("name")):
            self.meta[values.get("property") or values["name"]] = values.get("content") or ""
        elif tag == "link" and values.get("rel") == "canonical":
            self.canonical = values.get("href")
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.scripts.append("")

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.scripts[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json_ld = False

    @property
    def json_ld(self) -> list[dict]:
        return [json.loads(script) for script in self.scripts]


def built_pages(site: Path) -> dict[str, Path]:
    """Every HTML page of a built site, by its address under the site."""
    return {path.relative_to(site).as_posix().removesuffix("index.html"): path
            for path in sorted(site.rglob("*.html"))}


def head(site: Path, url: str) -> Head:
    return Head((site / url / "index.html").read_text(encoding="utf-8"))


def plain_yaml(path: Path):
    """A YAML file with every scalar as the string the editor typed."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def latest_cohort(root: Path) -> Path:
    folders = (root / "content" / "cohorts").iterdir()
    return max(folders, key=lambda folder: int(plain_yaml(folder / "cohort.yml")["number"]))


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def in_london(day: str, time: str) -> str:
    """'2027-09-24', '9:30' -> '2027-09-24T09:30:00+01:00' (the offset London has that day)."""
    moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time.zfill(5)))
    return moment.replace(tzinfo=LONDON).isoformat()


def programme_graph(page: Head) -> tuple[dict, list[dict]]:
    """The programme and the events of a page's JSON-LD graph."""
    graphs = [data["@graph"] for data in page.json_ld if "@graph" in data]
    assert len(graphs) == 1, page.json_ld
    programmes = [n for n in graphs[0] if n["@type"] == "EducationalOccupationalProgram"]
    assert len(programmes) == 1
    return programmes[0], [n for n in graphs[0] if n["@type"] == "EducationEvent"]


def string_values(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in string_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in string_values(v)]
    return []


# --- the programme ---------------------------------------------------------------

def test_programme_pages_describe_the_latest_cohort_as_in_content(built):
    cohort_dir = latest_cohort(built.root)
    cohort = plain_yaml(cohort_dir / "cohort.yml")
    pricing = plain_yaml(cohort_dir / "pricing.yml")
    criteria = plain_yaml(cohort_dir / "eligibility.yml")["criteria"]
    sessions = [s for term in plain_yaml(cohort_dir / "schedule.yml")["terms"]
                for s in term["sessions"]]
    programme_file = plain_yaml(built.root / "content" / "programme.yml")
    deadline = dt.datetime.fromisoformat(cohort["application"]["deadline"]).replace(tzinfo=LONDON)
    site = built.root / "site" / "public"
    for url in PROGRAMME_URLS:
        programme, events = programme_graph(head(site, url))
        assert programme["name"] == programme_file["name"]
        assert programme["description"] == programme_file["tagline"]
        starts, ends = (dt.date.fromisoformat(str(cohort["runs"][end])) for end in ("starts", "ends"))
        months = (ends.year - starts.year) * 12 + ends.month - starts.month + 1  # Sep to Jul: 11
        assert programme["timeToComplete"] == f"P{months}M"
        assert programme["startDate"] == cohort["runs"]["starts"]
        assert programme["endDate"] == cohort["runs"]["ends"]
        assert programme["applicationDeadline"] == deadline.isoformat()
        assert re.search(r"T\d\d:\d\d:\d\d[+-]\d\d:\d\d$", programme["applicationDeadline"])
        assert programme["programPrerequisites"] == criteria
        offer = programme["offers"]
        assert offer["@type"] == "Offer"
        assert offer["price"] == int(pricing["price"]["amount"])
        assert offer["priceCurrency"] == "GBP"
        assert len(events) == len(sessions)
        first = sessions[0]  # the opening conference: in person, with times
        event = next(e for e in events if e["name"] == first["title"])
        assert event["startDate"] == in_london(first["date"], first["start"])
        assert event["endDate"] == in_london(first["date"], first["end"])
        assert event["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
        assert event["location"] == {"@type": "Place", "name": first["place"]}
        online = next(s for s in sessions if s.get("online") == "true")
        event = next(e for e in events if e["name"] == online["title"])
        assert event["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
        assert event["location"]["@type"] == "VirtualLocation"


def test_other_pages_do_not_claim_to_be_the_programme(built):
    site = built.root / "site" / "public"
    for url in ("principles/", "membership/", "thinkpieces/"):
        assert not [data for data in head(site, url).json_ld if "@graph" in data], url


# --- thinkpieces -----------------------------------------------------------------

def test_thinkpieces_are_articles_free_exactly_when_public(built):
    authors = {key: value["name"] for key, value in
               plain_yaml(built.root / "docs/thinkpieces/.authors.yml")["authors"].items()}
    site = built.root / "site" / "public"
    articles = {}
    for url, path in built_pages(site).items():
        page = Head(path.read_text(encoding="utf-8"))
        for data in page.json_ld:
            if data.get("@type") == "Article":
                articles[data["headline"]] = (url, data, page)
    posts = sorted((built.root / "docs/thinkpieces/posts").glob("*.md"))
    assert posts and len(articles) == len(posts)
    for post in posts:
        meta = front_matter(post)
        url, article, page = articles[meta["title"]]
        members_only = meta["access"] == "members"
        assert article["description"] == meta["summary"]
        assert [a["name"] for a in article["author"]] == [authors[a] for a in meta["authors"]]
        assert article["datePublished"] == meta["date"].isoformat()
        assert article["dateModified"] == meta["date"].isoformat()
        assert article["url"] == page.canonical == SITE_URL + url
        assert article["image"]["url"] == page.meta["og:image"]
        assert article["isAccessibleForFree"] is (not members_only)
        assert page.meta["og:type"] == "article"
        if members_only:
            part = article["hasPart"]
            assert part["isAccessibleForFree"] is False
            # The selector names the part of the public page standing for the member text.
            assert part["cssSelector"].startswith(".")
            assert part["cssSelector"][1:] in page.classes
        else:
            assert "hasPart" not in article


def test_no_member_only_text_in_any_structured_data(built):
    member_texts = read_sources(Project(built.root)).member_texts()
    index = LeakIndex.from_texts(member_texts)
    # The index does find member-only words, so a clean result below means something.
    sample = next(t for t in member_texts if len(t.text.split()) > 40)
    assert index.find("sample", " ".join(sample.text.split()[-30:]))
    checked = 0
    for audience in ("public", "members"):
        for url, path in built_pages(built.root / "site" / audience).items():
            for data in Head(path.read_text(encoding="utf-8")).json_ld:
                assert not index.find(f"{audience}/{url}", " ".join(string_values(data)))
                checked += 1
    assert checked >= len(PROGRAMME_URLS) * 2


# --- link previews ---------------------------------------------------------------

@pytest.mark.parametrize("audience", ["public", "members"])
def test_every_page_has_link_preview_tags_and_a_card(built, audience):
    site = built.root / "site" / audience
    pages = built_pages(site)
    assert len(pages) > 8
    for url, path in pages.items():
        page = Head(path.read_text(encoding="utf-8"))
        # The "not found" page has no address of its own, so no og:url.
        expected = [tag for tag in PREVIEW_TAGS if url != "404.html" or tag != "og:url"]
        missing = [tag for tag in expected if not page.meta.get(tag)]
        assert not missing, f"{url}: no {missing}"
        assert page.meta.get("og:url") == page.canonical
        assert page.meta["og:locale"] == "en_GB"
        assert page.meta["twitter:card"] == "summary_large_image"
        assert page.meta["twitter:title"] == page.meta["og:title"]
        image = page.meta["og:image"]
        assert image.startswith(SITE_URL) and image == page.meta["twitter:image"], url
        card = site / image[len(SITE_URL):]
        assert card.is_file(), f"{url}: no {card}"
        with Image.open(card) as picture:
            assert (picture.format, picture.size) == ("PNG", (1200, 630)), url
        assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1200", "630")


def test_preview_titles_are_the_editors_text(built):
    site = built.root / "site" / "public"
    by_headline = {data["headline"]: page for page in
                   (Head(path.read_text(encoding="utf-8")) for path in built_pages(site).values())
                   for data in page.json_ld if "headline" in data}
    for post in (built.root / "docs/thinkpieces/posts").glob("*.md"):
        meta = front_matter(post)
        page = by_headline[meta["title"]]
        assert page.meta["og:title"] == page.meta["og:image:alt"] == meta["title"]
        assert page.meta["og:description"] == meta["summary"]
    home = head(site, "")
    heading = re.search(r"^# (.+)$", (built.root / "docs/index.md").read_text(), re.M).group(1)
    assert home.meta["og:title"] == heading
    assert home.meta["og:type"] == "website"


def test_share_cards_are_small_and_drawn_the_same_every_time(built):
    sources = read_sources(Project(built.root))
    programme = sources.site.programme
    site = built.root / "site" / "public"
    for page in sources.pages:
        if not page.public:
            continue
        built_card = (site / share_images.card_path(page.url)).read_bytes()
        assert len(built_card) < 60_000, page.url
        card = share_images.page_card(page, programme.name, programme.tagline)
        assert share_images.draw(card) == built_card, page.url  # same inputs, same bytes
    member_piece = next(p for p in sources.pages if p.is_post and p.source.members_only)
    card = share_images.page_card(member_piece, programme.name, programme.tagline)
    assert card.members
    unmarked = share_images.Card(card.programme, card.title, card.footer, members=False)
    assert share_images.draw(unmarked) != share_images.draw(card)  # the "Members" mark shows


def test_public_site_has_no_cards_of_members_pages(built):
    members_urls = [url for url in built_pages(built.root / "site" / "members")
                    if url.startswith("members/")]
    assert members_urls
    for url in members_urls:
        assert not (built.root / "site" / "public" / share_images.card_path(url)).exists()
        assert (built.root / "site" / "members" / share_images.card_path(url)).is_file()


# --- hostile text and other dates ---------------------------------------------------

@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """A copy whose new thinkpiece has a hostile title and summary, and whose first
    session has no times; built for the public."""
    project = copy_project(tmp_path_factory.mktemp("structured") / "project")
    project.write("docs/thinkpieces/posts/hostile.md", (
        "---\n"
        f"title: {json.dumps(HOSTILE_TITLE)}\n"
        "date: 2026-12-01\n"
        "authors: [editorial]\n"
        f"summary: {json.dumps(HOSTILE_SUMMARY)}\n"
        "access: public\n"
        "categories: [Growth]\n"
        "---\n\n# A plain heading\n\nThe piece begins.\n\n<!-- more -->\n\nThe rest.\n"))
    cohort = latest_cohort(project.root).relative_to(project.root).as_posix()
    project.replace(f"{cohort}/schedule.yml", "        start: 09:30\n        end: 16:30\n", "")
    result = project.build("public")
    assert result.code == 0, result.output
    return project


def test_hostile_title_cannot_break_out_of_the_script(edited):
    site = edited.root / "site" / "public"
    found = []
    for url, path in built_pages(site).items():
        html = path.read_text(encoding="utf-8")
        assert "</script><script>alert" not in html, url
        page = Head(html)
        found += [(data, page) for data in page.json_ld if data.get("headline") == HOSTILE_TITLE]
    assert len(found) == 1
    article, page = found[0]
    assert article["description"] == HOSTILE_SUMMARY
    assert page.meta["og:title"] == page.meta["twitter:title"] == HOSTILE_TITLE
    assert page.meta["og:description"] == HOSTILE_SUMMARY


def test_a_session_without_times_is_given_by_its_date(edited):
    cohort_dir = latest_cohort(edited.root)
    first = plain_yaml(cohort_dir / "schedule.yml")["terms"][0]["sessions"][0]
    assert "start" not in first
    _, events = programme_graph(head(edited.root / "site" / "public", "programme/schedule/"))
    event = next(e for e in events if e["name"] == first["title"])
    assert event["startDate"] == event["endDate"] == first["date"]


def test_a_published_version_points_at_latest(built):
    sources = read_sources(Project(built.root))
    earlier = min(sources.site.cohorts, key=lambda c: c.number)
    context = pick_context(sources, "public", earlier.id, build_time("2026-11-24T12:00:00"),
                           Settings(site_url="https://example.org/"), versioned=True)
    data = StructuredData(context, sources.authors)
    post = next(p for p in sources.pages if p.is_post)
    assert data.of(post)["url"] == f"https://example.org/latest/{post.url}"
    home = next(p for p in sources.pages if p.docs_path == "index.md")
    programme = next(n for n in data.of(home)["@graph"]
                     if n["@type"] == "EducationalOccupationalProgram")
    assert programme["url"] == "https://example.org/latest/"
    assert programme["startDate"] == earlier.info.runs.starts.isoformat()  # that cohort's dates
