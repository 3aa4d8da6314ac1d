"""What a visitor sees on the programme site, and how the build protects it."""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

COHORT = "content/cohorts/cohort-3"


def text_of(html: str) -> str:
    """Visible text of a page, roughly: tags removed, whitespace folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def schedule_of(project) -> list[dict]:
    data = yaml.safe_load(project.read(f"{COHORT}/schedule.yml"))
    return [s for term in data["terms"] for s in term["sessions"]]


def test_counts_on_every_page_are_computed_from_the_schedule(built):
    sessions = schedule_of(built)
    webinars = sum(s["kind"] == "webinar" for s in sessions)
    visits = sum(s["kind"] == "ceo_visit" for s in sessions)
    price = text_of(built.page("programme/price"))
    assert f"{visits} visits to leading trust chief executives" in price
    assert f"{webinars} webinars, each featuring" in price
    home = text_of(built.page(""))
    assert f"{visits} CEO visits" in home and f"{webinars} webinars" in home
    schedule = built.page("programme/schedule")
    assert schedule.count('class="lt-session ') == len(sessions)


def test_removing_a_session_changes_every_count(project):
    text = project.read(f"{COHORT}/schedule.yml")
    block = re.search(r"      - kind: webinar\n(?:        .*\n)+", text).group(0)
    project.write(f"{COHORT}/schedule.yml", text.replace(block, "", 1))
    project.replace(f"{COHORT}/pricing.yml", "promised: 12", "promised: 11")
    assert project.build().code == 0
    assert "11 webinars" in text_of(project.page(""))
    assert "11 webinars, each featuring" in text_of(project.page("programme/price"))


def test_the_price_page_accounts_for_every_kind_of_session_in_the_schedule(built):
    """Each kind the schedule holds leads a line of what the price includes (or does not),
    numbered as the schedule counts it, so a sponsor never meets a session left unexplained."""
    counts = Counter(s["kind"] for s in schedule_of(built))
    price = built.page("programme/price")
    lists = re.findall(r'<ul class="lt-(?:inclusions|exclusions)">(.*?)</ul>', price, re.S)
    numbers = [int(n) for n in re.findall(r"<li><strong>(\d+)</strong>", "".join(lists))]
    assert sorted(numbers) == sorted(counts.values())
    assert f"{counts['conference']} conference" in text_of(price)  # the kind's own name


def test_a_kind_of_session_that_costs_extra_is_listed_as_not_included(project):
    project.replace(f"{COHORT}/pricing.yml", "  - counts: conference\n", "")
    project.replace(f"{COHORT}/pricing.yml", "not_included:\n", "not_included:\n  - counts: conference\n")
    assert project.build().code == 0
    price = text_of(project.page("programme/price"))
    included, excluded = price.split("The price does not include:")
    assert "conference" not in included.split("The price includes:")[1]
    assert "1 conference" in excluded


def test_a_yaml_edit_shows_on_the_built_pages(project):
    project.replace(f"{COHORT}/pricing.yml", "amount: 5000", "amount: 5250")
    project.replace("content/principles.yml", "title: Improvement as a habit",
                    "title: Improvement as everyday practice")
    assert project.build().code == 0
    assert "£5,250 per person" in text_of(project.page("programme/price"))
    assert "£5,250 per person" in text_of(project.page(""))
    assert "Improvement as everyday practice" in project.page("principles")


def test_text_from_yaml_is_escaped(project):
    project.replace("content/principles.yml", "title: Improvement as a habit",
                    'title: "<script>alert(1)</script> & <b>bold</b>"')
    project.replace("content/programme.yml", "tagline: A leadership",
                    "tagline: <img src=x onerror=alert(2)> A leadership")
    assert project.build().code == 0
    principles = project.page("principles")
    assert "<script>alert(1)" not in principles and "<b>bold</b>" not in principles
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in principles
    assert "<img src=x" not in project.page("")


def test_deadline_shows_weekday_date_and_time_in_london(project):
    assert project.build().code == 0
    apply = text_of(project.page("programme/apply"))
    assert "Friday 25 June 2027 at 5pm (UK time)" in apply
    # An offset in the YAML is converted to London time (BST in June).
    project.replace(f"{COHORT}/cohort.yml", "deadline: 2027-06-25T17:00:00",
                    "deadline: 2027-06-24T08:30:00+00:00")
    assert project.build().code == 0
    assert "Thursday 24 June 2027 at 9.30am (UK time)" in text_of(project.page("programme/apply"))


def test_before_the_deadline_the_page_says_how_long_remains(project):
    assert project.build(now="2027-06-11T17:00:00").code == 0
    home = text_of(project.page(""))
    assert "Cohort 3 (2027–28): applications open" in home
    assert ("Apply by Friday 25 June 2027 at 5pm (UK time) "
            "2 weeks left when this page was published") in home
    # The apply page says it in the same words.
    assert "2 weeks left when this page was published" in text_of(project.page("programme/apply"))
    assert project.build(now="2027-06-22T12:00:00").code == 0
    assert "3 days left when this page was published" in text_of(project.page("programme/apply"))


def test_the_apply_page_gives_the_deadline_once_in_its_notice(built):
    deadline = "Friday 25 June 2027 at 5pm (UK time)"  # cohort.yml
    apply = built.page("programme/apply")
    assert text_of(apply).count(deadline) == 1
    notice = re.search(r'<div class="admonition info lt-deadline.*?</div>', apply, re.S).group(0)
    assert deadline in text_of(notice)


def test_after_the_deadline_the_page_says_applications_have_closed(project):
    assert project.build(now="2027-06-25T17:00:01").code == 0
    apply = text_of(project.page("programme/apply"))
    assert "Applications for Cohort 3 (2027–28) have closed" in apply
    assert "The deadline was Friday 25 June 2027 at 5pm (UK time)" in apply
    assert "are open" not in apply
    assert "Hear when the next cohort opens" in apply


def test_how_long_the_programme_runs_comes_from_the_cohorts_dates(project):
    project.replace(f"{COHORT}/cohort.yml", "ends: 2028-07-31", "ends: 2028-08-31")
    assert project.build().code == 0
    home = text_of(project.page(""))
    assert "The year runs September 2027 to August 2028" in home
    assert "From September 2027 to August 2028, and through a network" in home
    assert "Cohort 3 (2027–28), September 2027 to August 2028," in home  # the schedule's card


def test_no_page_gives_the_programme_a_length_its_dates_do_not(built):
    for page in built.path("site/public").rglob("*.html"):
        text = text_of(page.read_text(encoding="utf-8"))
        claims = re.findall(r"year-long|\b\d+-month|\b\d+ months\b(?! left when)", text, re.I)
        assert not claims, f"{page}: {claims}"


def test_every_time_frame_the_site_gives_for_becoming_a_chief_executive_is_the_criterions(built):
    criteria = " ".join(yaml.safe_load(built.read(f"{COHORT}/eligibility.yml"))["criteria"])
    frame = re.compile(r"within (?:the next )?([\w-]+) years", re.I)
    allowed = set(frame.findall(criteria))
    assert allowed  # the criteria give one
    for page in built.path("site/public").rglob("*.html"):
        said = set(frame.findall(text_of(page.read_text(encoding="utf-8"))))
        assert said <= allowed, f"{page}: {said - allowed}"


def schedule_card(project) -> str:
    card = re.search(r'<li class="lt-card">.*?</li>', project.page(""), re.S).group(0)
    assert "Structure and schedule" in card
    return text_of(card)


def test_the_schedule_card_promises_places_only_once_every_venue_is_confirmed(project):
    assert project.build().code == 0
    assert "places" not in schedule_card(project)
    assert "venues are added once confirmed" in schedule_card(project)
    schedule = project.read(f"{COHORT}/schedule.yml")
    project.write(f"{COHORT}/schedule.yml", schedule.replace("place: Venue to be confirmed", "place: Leeds"))
    assert project.build().code == 0
    assert "with their dates and places" in schedule_card(project)


def test_the_footer_claims_no_source_a_figure_is_still_waiting_for(built):
    figures = yaml.safe_load(built.read("content/programme.yml"))["figures"].values()
    assert any(not figure.get("source") for figure in figures)  # what the check is about
    footer = re.search(r'<div class="md-copyright">(.*?)</div>\s*</div>', built.page(""), re.S)
    assert footer and "LeadingTrusts" in text_of(footer.group(1))
    assert "source" not in text_of(footer.group(1)).lower()


def test_each_page_in_the_navigation_is_named_as_its_title_names_it(built):
    principles = built.page("principles")
    nav = principles[principles.index('class="md-nav md-nav--primary"'):
                     principles.index("md-sidebar--secondary")]
    entries = re.findall(r'<a href="([^"#]+)"[^>]*class="md-nav__link[^"]*"[^>]*>\s*'
                         r'<span class="md-ellipsis">\s*([^<]+?)\s*<', nav)
    assert len(entries) >= 6
    for href, label in entries:
        url = posixpath.normpath(posixpath.join("principles", href))
        if url == ".":
            continue  # the home page: "Overview" in the navigation, a headline on the page
        title = re.search(r"<h1[^>]*>(.*?)</h1>", built.page(url), re.S).group(1)
        assert html.unescape(text_of(title)).rstrip("¶ ") == html.unescape(label), url


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
            digest.update(str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()


def test_a_failed_build_leaves_the_last_good_site_untouched(project):
    assert project.build("all").code == 0
    before = {a: _tree_digest(project.path(f"site/{a}")) for a in ("public", "members")}
    project.replace(f"{COHORT}/pricing.yml", "amount: 5000", "amount: free")
    result = project.build("all")
    assert result.code != 0
    assert "still hold the last good build" in result.output
    after = {a: _tree_digest(project.path(f"site/{a}")) for a in ("public", "members")}
    assert after == before
    assert sorted(p.name for p in project.path("site").iterdir()) == ["members", "public"]


def test_a_failed_members_build_does_not_replace_the_public_site_either(project):
    assert project.build("all").code == 0
    before = _tree_digest(project.path("site/public"))
    project.replace("docs/members/index.md", "access: members", "access: everyone")
    project.replace(f"{COHORT}/pricing.yml", "amount: 5000", "amount: 5100")
    assert project.build("all").code != 0
    assert _tree_digest(project.path("site/public")) == before


def test_no_third_party_is_contacted(built):
    """No Google Fonts, no CDN: every script, stylesheet, font and image is local."""
    site = built.path("site/public")
    for path in site.rglob("*"):
        if path.suffix not in (".html", ".css", ".js"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, path
        for match in re.finditer(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=\"(https?:)?//([^\"/]+)",
                                 text):
            host = match.group(2)
            # rel=canonical/alternate links name our own site_url, not a resource to load.
            tag = text[match.start():text.find(">", match.start())]
            assert "leadingtrusts.example" in host and re.search(r'rel="(canonical|alternate)"', tag), \
                f"{path}: loads {host}"


def test_thinkpieces_stay_out_of_the_sidebar_nav(built):
    html = built.page("principles")
    nav = html[html.index('class="md-nav md-nav--primary"'):html.index("md-sidebar--secondary")]
    entries = {t.strip() for t in re.findall(r'md-ellipsis">\s*([^<]+?)\s*<', nav)}
    assert {"The Thriving Trust principles", "Thriving Trusts thinkpieces"} <= entries
    assert not any(title.startswith(("Making the case", "Growth that lasts", "Governance that"))
                   for title in entries), entries


def test_a_broken_image_link_fails_the_build_at_its_line(project):
    project.replace("docs/programme/price.md", "The price includes:",
                    "![How the price is spent](price-chart.png)\n\nThe price includes:")
    line = project.line_of("docs/programme/price.md", "price-chart.png")
    result = project.build()
    assert result.code != 0 and "Traceback" not in result.output
    assert f"docs/programme/price.md:{line}:" in result.output
    assert "docs/programme/price-chart.png" in result.output


def test_an_engine_warning_fails_the_build(project):
    """MkDocs' own strict warnings (hidden by --quiet) fail the build too."""
    config = project.read("mkdocs.yml")
    project.write("mkdocs.yml", config.replace("  - Members' area: membership.md\n",
                                               "  - Members' area: membership.md\n  - Gone: gone.md\n"))
    result = project.build()
    assert result.code != 0
    assert "gone.md" in result.output and "WARNING" in result.output
    assert "build failed: nothing was changed" in result.output


def test_json_schemas_are_up_to_date_and_every_yaml_file_names_its_schema():
    done = subprocess.run([sys.executable, "-m", "leadingtrusts", "schemas", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    expected = {"programme.yml": "programme", "principles.yml": "principles",
                "deployment.yml": "deployment", "cohort.yml": "cohort",
                "pricing.yml": "pricing", "eligibility.yml": "eligibility", "schedule.yml": "schedule"}
    files = list((ROOT / "content").rglob("*.yml"))
    assert len(files) >= 10
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, f"{path} does not name its schema on line 1"
        schema_path = (path.parent / match.group(1)).resolve()
        assert schema_path.name == f"{expected[path.name]}.schema.json", path
        assert json.loads(schema_path.read_text())["title"]


def test_stale_json_schema_is_detected(tmp_path):
    import shutil

    shutil.copytree(ROOT / "content", tmp_path / "content")
    schema = tmp_path / "content/schemas/pricing.schema.json"
    schema.write_text(schema.read_text().replace('"amount"', '"amount_old"', 1))
    done = subprocess.run([sys.executable, "-m", "leadingtrusts", "schemas", "--check"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and "pricing.schema.json" in done.stderr


def test_no_template_syntax_reaches_a_visitor(built):
    # A partial's comment written in plain Jinja's `{# #}` (not the site's `{// //}`)
    # is printed as text on the page; so is any other unrendered marker.
    for audience in ("public", "members"):
        for page in sorted(built.path(f"site/{audience}").rglob("*.html")):
            markup = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"),
                            flags=re.S)
            shown = text_of(markup)
            for marker in ("{#", "#}", "{//", "//}", "{%", "%}", "{{", "}}"):
                assert marker not in shown, f"{marker!r} shown on {page.relative_to(built.root)}"
