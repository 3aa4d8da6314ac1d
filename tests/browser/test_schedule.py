"""Issue 10 on a phone: the schedule folds by term into compact rows, headings run in
order, and the thinkpieces index links its tags to a tags page with no dangling "·"."""

from __future__ import annotations

import re

import yaml

PHONE_WIDTH = 390
# The schedule page at 390 px before issue 10, its 27 sessions as cards (measured on
# the same content): folded, the page must take at most a third of that.
CARD_LAYOUT_HEIGHT = 6110
COHORT = "content/cohorts/cohort-3"
DURING_THE_SPRING_TERM = "2028-02-01T12:00:00"  # cohort 3's year, between its terms' dates
# Every piece of text and every "·" separator in a card's meta line, with where each
# shows: text word by word, separators as text or as ::before/::after of an item (then
# drawn between the item's edge and its text). A separator outside the meta's
# clipping box is not seen.
META_PIECES_JS = """meta => {
  const clip = meta.getBoundingClientRect();
  const pieces = [];
  const words = node => {
    const found = [];
    for (const match of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      for (const r of range.getClientRects())
        found.push({dot: match[0] === "\\u00b7", left: r.left, right: r.right,
                    middle: (r.top + r.bottom) / 2});
    }
    return found;
  };
  for (const item of meta.querySelectorAll(".md-meta__item")) {
    const walker = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
    const own = [];
    while (walker.nextNode()) own.push(...words(walker.currentNode));
    if (!own.length) continue;
    const box = item.getBoundingClientRect();
    const first = own[0], last = own[own.length - 1];
    for (const [pseudo, left, right, middle] of [
        ["::before", box.left, first.left, first.middle],
        ["::after", last.right, box.right, last.middle]]) {
      if (getComputedStyle(item, pseudo).content.includes("\\u00b7"))
        pieces.push({dot: true, left, right, middle});
    }
    pieces.push(...own);
  }
  return pieces.filter(p => {
    const centre = (p.left + p.right) / 2;
    return centre > clip.left && centre < clip.right;
  });
}"""


def _terms(project) -> list[dict]:
    return yaml.safe_load(project.read(f"{COHORT}/schedule.yml"))["terms"]


def _sessions(project) -> list[dict]:
    return [session for term in _terms(project) for session in term["sessions"]]


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def _fold_every_term(page, open_: bool) -> None:
    """Click each term's summary whose term is not already as wanted."""
    terms = page.locator("details.lt-term")
    for index in range(terms.count()):
        if (terms.nth(index).get_attribute("open") is not None) != open_:
            terms.nth(index).locator("summary").click()


def _lines(pieces: list[dict]) -> list[list[dict]]:
    """Pieces grouped into the lines they stand on, each line left to right."""
    lines: list[list[dict]] = []
    for piece in sorted(pieces, key=lambda p: p["middle"]):
        if lines and abs(piece["middle"] - lines[-1][0]["middle"]) < 8:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return [sorted(line, key=lambda p: p["left"]) for line in lines]


def test_folded_terms_make_the_phone_page_a_third_as_long_and_every_session_opens(
        built, page, serve_dir):
    page.goto(f"{serve_dir(built.path('site/public'))}/programme/schedule/")
    terms, sessions = _terms(built), _sessions(built)
    rows = page.locator("li.lt-session")
    assert rows.count() == len(sessions)

    assert page.locator("details.lt-term").count() == len(terms)
    _fold_every_term(page, open_=False)
    assert not any(rows.nth(i).is_visible() for i in range(rows.count()))
    for term in terms:
        assert page.get_by_role("heading", name=term["name"], level=3).is_visible()
    assert _height(page) <= CARD_LAYOUT_HEIGHT / 3

    _fold_every_term(page, open_=True)
    for session in sessions:
        row = rows.filter(has_text=session["title"])
        assert row.count() == 1 and row.is_visible(), session["title"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    # Compact rows: none runs past four lines of text on a phone.
    tallest, line = page.evaluate("""() => {
        const rows = [...document.querySelectorAll('li.lt-session')];
        return [Math.max(...rows.map(r => r.getBoundingClientRect().height)),
                parseFloat(getComputedStyle(rows[0]).lineHeight)];
    }""")
    assert tallest <= 4.5 * line, f"a row is {tallest:.0f}px tall, lines {line:.0f}px"


def test_unconfirmed_venues_and_hosts_are_said_once_and_a_confirmed_venue_shows(
        project, page, serve_dir):
    sessions = _sessions(project)
    venues = sum(not s.get("online") and "to be confirmed" in s["place"] for s in sessions)
    hosts = sum(s["kind"] == "ceo_visit" and not s.get("host") for s in sessions)
    # An editor confirms the first CEO visit's venue and host.
    text = project.read(f"{COHORT}/schedule.yml")
    visit = re.search(r"      - kind: ceo_visit\n(?:        .*\n)+", text).group(0)
    confirmed = (visit.replace("host:\n", "host: Sam Example\n", 1)
                 .replace("place: Venue to be confirmed", "place: Leeds", 1))
    project.write(f"{COHORT}/schedule.yml", text.replace(visit, confirmed, 1))
    assert project.build().code == 0

    page.goto(f"{serve_dir(project.path('site/public'))}/programme/schedule/")
    _fold_every_term(page, open_=True)
    schedule = page.locator("article").inner_text()
    assert "Venue to be confirmed" not in schedule
    assert schedule.count("Still to be confirmed") == 1
    assert (f"Still to be confirmed: the venues of {venues - 1} sessions and the hosts of "
            f"{hosts - 1} CEO visits.") in schedule
    title = re.search(r"title: (.+)", visit).group(1).strip()
    row = page.locator("li.lt-session").filter(has_text=title)
    assert "hosted by Sam Example, Leeds" in row.inner_text()


def test_the_term_holding_the_next_session_is_the_one_open(built, project, page, serve_dir):
    names = [term["name"] for term in _terms(built)]

    def open_terms(site) -> list[str]:
        page.goto(f"{serve_dir(site)}/programme/schedule/")
        return [name for name in names
                if page.locator("details.lt-term", has_text=name).get_attribute("open") is not None]

    # Before the cohort starts, its first term; during its year, the term under way.
    assert open_terms(built.path("site/public")) == [names[0]]
    assert project.build(now=DURING_THE_SPRING_TERM).code == 0
    assert open_terms(project.path("site/public")) == [names[1]]


def test_every_term_prints_open(built, page, serve_dir):
    page.goto(f"{serve_dir(built.path('site/public'))}/programme/schedule/")
    assert page.locator("details.lt-term:not([open])").count() > 0
    page.emulate_media(media="print")
    rows = page.locator("li.lt-session")
    assert all(rows.nth(i).is_visible() for i in range(rows.count()))


def test_headings_run_in_order_and_no_list_has_a_hidden_name(built, page, serve_dir):
    base = serve_dir(built.path("site/public"))
    for address in ("", "programme/schedule/", "principles/"):
        page.goto(f"{base}/{address}")
        levels = page.evaluate("""() => [...document.querySelectorAll(
            'article h1, article h2, article h3, article h4, article h5, article h6')]
            .map(h => Number(h.tagName[1]))""")
        assert levels[0] == 1
        skips = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
        assert not skips, f"/{address}: a heading jumps from level {skips[0][0]} to {skips[0][1]}"
        assert page.locator("article ul[aria-label], article ol[aria-label]").count() == 0, address


def test_card_meta_never_starts_or_ends_a_line_with_a_dot(built, page, serve_dir):
    page.goto(f"{serve_dir(built.path('site/public'))}/thinkpieces/")
    metas = page.locator(".md-post--excerpt .md-post__meta")
    assert metas.count() >= 2
    wrapped = 0
    for index in range(metas.count()):
        lines = _lines(metas.nth(index).evaluate(META_PIECES_JS))
        wrapped += len(lines) > 1
        for line in lines:
            words = " ".join("·" if p["dot"] else "…" for p in line)
            assert not line[0]["dot"] and not line[-1]["dot"], f"card {index + 1}: {words}"
        assert sum(p["dot"] for line in lines for p in line) >= 1  # separators still shown
    assert wrapped, "no card's meta wraps at 390 px, so nothing was tested"


def test_tags_on_cards_and_pieces_lead_to_their_theme_on_the_tags_page(built, page, serve_dir):
    base = serve_dir(built.path("site/public"))
    page.goto(f"{base}/thinkpieces/")
    card = page.locator(".md-post--excerpt").filter(has_text="Making the case for joining")
    tag = card.locator(".lt-card-tags a", has_text="principles")
    tag.click()
    assert re.search(r"/thinkpieces/tags/#tag:principles$", page.url)
    assert page.get_by_role("heading", level=1, name="Thinkpieces by theme").is_visible()
    theme = page.locator(":target")  # where the link's #anchor leads
    assert theme.evaluate("h => h.tagName") == "H2" and theme.inner_text().startswith("principles")
    assert theme.evaluate("h => { const top = h.getBoundingClientRect().top;"
                          " return top >= 0 && top < innerHeight; }")  # in sight
    listed = theme.locator("xpath=following-sibling::ul[1]").inner_text()
    assert "Making the case for joining a thriving trust" in listed

    page.go_back()
    card.get_by_role("link", name="Continue reading").click()
    page.locator(".md-content .md-tag", has_text="growth").click()
    assert re.search(r"/thinkpieces/tags/#tag:growth$", page.url)
    page.goto(f"{base}/thinkpieces/")
    assert page.get_by_role("link", name="by theme", exact=True).get_attribute("href") == "tags/"


def test_the_public_tags_page_marks_member_pieces_and_leads_to_their_previews(
        built, page, serve_dir):
    members = {}
    for path in sorted(built.path("docs/thinkpieces/posts").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        members[meta["title"]] = meta["access"] == "members"
    assert any(members.values()) and not all(members.values())
    page.goto(f"{serve_dir(built.path('site/public'))}/thinkpieces/tags/")
    for entry in page.locator("article li").all():
        title = entry.get_by_role("link").inner_text()
        assert ("Members" in entry.inner_text()) == members[title], title
    preview = page.locator("article li", has_text="Members").first.get_by_role("link")
    preview.click()
    assert page.get_by_text("The rest of this thinkpiece is for members").is_visible()


def test_a_tag_with_punctuation_still_leads_to_its_theme(project):
    tags = '[thriving trusts, "SEND & inclusion", "Children’s well-being (2027)", "Ofsted: état"]'
    project.replace("docs/thinkpieces/posts/making-the-case.md",
                    "tags: [thriving trusts, growth, principles]", f"tags: {tags}")
    result = project.build()
    assert result.code == 0, result.output  # the build checks every link's anchor too
    index = project.page("thinkpieces/")
    anchors = set(re.findall(r'id="([^"]+)"', project.page("thinkpieces/tags/")))
    linked = re.findall(r'href="tags/#([^"]+)" class="md-tag">([^<]+)<', index)
    assert {name for _, name in linked} >= {"SEND &amp; inclusion", "Ofsted: état"}
    assert all(anchor in anchors for anchor, _ in linked), linked
