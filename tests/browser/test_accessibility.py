"""Accessibility in a browser: axe-core on every page, and the keyboard.

axe-core (tests/checkers, `make checkers`) checks the WCAG 2.0, 2.1 and 2.2
A and AA rules on every page found in the builds (public and members), on
every page of an earlier cohort's published version, and on every page the
members' gateway shows (GATEWAY_PAGES), each in the light and the dark scheme
and at a desktop's and a phone's width. The keyboard tests press Tab as a
visitor does: the skip link comes first and leads into the content, every
control shows a focus ring that can be seen, and the controls Material draws
(the drawer, the search, the version selector) have names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from nu_checker import describe, is_allowed, run_vnu
from projects import ROOT, Project
from servers import running

from leadingtrusts.gateway.app import create_app
from leadingtrusts.gateway.demo import (
    DEMO_EMAIL,
    demo_database_url,
    prepare_demo_account,
)
from leadingtrusts.gateway.pages import TEMPLATES_DIR
from leadingtrusts.gateway.settings import GatewaySettings

AXE_SCRIPT = ROOT / "tests/checkers/node_modules/axe-core/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCHEMES = ("light", "dark")
WIDTHS = (1280, 390)  # a desktop, a phone
HEIGHT = 900
# Material marks the scheme it has applied on <body>.
MATERIAL_SCHEME = {"light": "default", "dark": "slate"}
# Published the day test_versions.py publishes: two cohorts, one of them earlier.


# -- axe ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    page: str
    scheme: str
    width: int
    rule: str
    help: str
    target: str
    summary: str

    def __str__(self) -> str:
        return (f"{self.page} ({self.scheme}, {self.width} px): {self.rule}: {self.help}\n"
                f"    at {self.target}\n    {self.summary}")


def report(violations: list[Violation]) -> str:
    return f"{len(violations)} accessibility violation(s):\n" + "\n".join(map(str, violations))


NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


def still(tab) -> None:
    """Colours and visibility are measured as they end, not halfway through a transition."""
    tab.add_style_tag(content=NO_TRANSITIONS)


def settle(tab) -> None:
    """Let the page lay itself out again (after a resize) before it is measured."""
    tab.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


class Auditor:
    """One browser tab per colour scheme, reused from page to page."""

    def __init__(self, browser) -> None:
        if not AXE_SCRIPT.exists():
            pytest.fail(f"{AXE_SCRIPT.relative_to(ROOT)} is missing: run `make checkers`")
        self.browser = browser
        self.axe = AXE_SCRIPT.read_text(encoding="utf-8")
        self.contexts: dict[str, object] = {}
        self.tabs: dict[str, object] = {}

    def tab(self, scheme: str):
        if scheme not in self.tabs:
            # bypass_csp: axe is added to pages whose policy allows only their own scripts.
            context = self.browser.new_context(color_scheme=scheme, bypass_csp=True,
                                               viewport={"width": WIDTHS[0], "height": HEIGHT})
            self.contexts[scheme] = context
            self.tabs[scheme] = context.new_page()
        return self.tabs[scheme]

    def check(self, name: str, scheme: str, open_page: Callable[[object], None],
              ready: str | None = None) -> list[Violation]:
        """Open a page with `open_page(tab)` and run axe on it at every width."""
        tab = self.tab(scheme)
        tab.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
        open_page(tab)
        tab.wait_for_function(
            "scheme => !document.body.dataset.mdColorScheme || document.body.dataset.mdColorScheme === scheme",
            arg=MATERIAL_SCHEME[scheme])
        if ready:
            tab.locator(ready).first.wait_for(state="attached")
        still(tab)
        tab.add_script_tag(content=self.axe)
        found = []
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": HEIGHT})
            settle(tab)
            result = tab.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                WCAG_TAGS)
            found += [Violation(name, scheme, width, rule["id"], rule["help"], " ".join(node["target"]),
                                " ".join(node.get("failureSummary", "").split()))
                      for rule in result["violations"] for node in rule["nodes"]]
        return found

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture
def auditor(browser) -> Iterator[Auditor]:
    auditor = Auditor(browser)
    yield auditor
    auditor.close()


def site_pages(folder: Path) -> list[str]:
    """Every page of a built site, as the address a visitor opens (`programme/price/`)."""
    pages = []
    for path in sorted(folder.rglob("*.html")):
        relative = path.relative_to(folder).as_posix()
        pages.append(relative.removesuffix("index.html"))
    return pages


def audit_site(auditor: Auditor, base: str, pages: list[str], ready: str | None = None) -> list[Violation]:
    return [violation for scheme in SCHEMES for page in pages
            for violation in auditor.check(page or "/", scheme, lambda tab, page=page: tab.goto(f"{base}/{page}"),
                                           ready)]


def test_every_public_page_passes_axe(built: Project, auditor: Auditor, serve_dir) -> None:
    folder = built.path("site/public")
    violations = audit_site(auditor, serve_dir(folder), site_pages(folder))
    assert not violations, report(violations)


def test_every_members_page_passes_axe(built: Project, auditor: Auditor, serve_dir) -> None:
    folder = built.path("site/members")
    violations = audit_site(auditor, serve_dir(folder), site_pages(folder))
    assert not violations, report(violations)


# -- an earlier cohort's published pages --------------------------------------------


def earlier_cohorts(published: Path) -> list[str]:
    versions = json.loads((published / "versions.json").read_text(encoding="utf-8"))
    return [version["version"] for version in versions if "latest" not in version["aliases"]]


def test_every_page_of_an_earlier_cohort_passes_axe(published: Path, auditor: Auditor, serve_dir) -> None:
    base = serve_dir(published)
    cohorts = earlier_cohorts(published)
    assert cohorts, "the publish made no earlier cohort to check"
    pages = [f"{cohort}/{page}" for cohort in cohorts for page in site_pages(published / cohort)]
    # The version selector arrives after the page (Material fetches versions.json).
    violations = audit_site(auditor, base, pages, ready=".md-version__current")
    assert not violations, report(violations)


# -- the members' gateway's own pages ------------------------------------------------


@dataclass(frozen=True)
class GatewayPage:
    """One page the gateway shows, and how a visitor comes to see it."""
    name: str
    template: str  # the template in leadingtrusts/gateway/templates/ it is drawn from
    heading: str  # its h1, to be sure the visit reached it
    path: str  # "{token}" stands for a fresh password-reset token
    signed_in: bool = False
    # (label, value) to fill in, then submitted; "{password}" is the member's password.
    form: tuple[tuple[str, str], ...] = ()


# Every page the gateway can show. A new template needs a row here (a test
# checks), and every row is checked with axe and the Nu Html Checker.
GATEWAY_PAGES = [
    GatewayPage("sign-in", "login.html", "Members’ sign in", "/login"),
    GatewayPage("sign-in after signing out", "login.html", "Members’ sign in", "/login?signed_out=1"),
    GatewayPage("sign-in with a wrong password", "login.html", "Members’ sign in", "/login",
                form=(("Email address", DEMO_EMAIL), ("Password", "not {password}"))),
    GatewayPage("sign-in after the membership ended", "login.html", "Members’ sign in",
                "/login?membership_ended=2026-07-31"),
    GatewayPage("sign-out", "logout.html", "Sign out", "/logout", signed_in=True),
    GatewayPage("sign-out when not signed in", "logout.html", "Sign out", "/logout"),
    GatewayPage("forgotten password", "forgot.html", "Forgot your password?", "/forgot"),
    GatewayPage("forgotten password, link sent", "forgot.html", "Forgot your password?", "/forgot",
                form=(("Email address", DEMO_EMAIL),)),
    GatewayPage("new password", "set_password.html", "Choose a new password", "/set-password?token={token}"),
    GatewayPage("new password typed differently twice", "set_password.html", "Choose a new password",
                "/set-password?token={token}",
                form=(("New password", "{password}"), ("Type it again", "{password}!"))),
    # The same password again, so that the member can still sign in for the rows after.
    GatewayPage("password saved", "password_saved.html", "Password saved", "/set-password?token={token}",
                form=(("New password", "{password}"), ("Type it again", "{password}"))),
    GatewayPage("link expired", "link_expired.html", "This link no longer works",
                "/set-password?token=mistyped"),
    GatewayPage("bad request (a message)", "message.html", "Bad request", "/thinkpieces%5C"),
    GatewayPage("not found", "not_found.html", "Page not found", "/_gateway/no-such-page"),
    GatewayPage("not found, signed in", "not_found.html", "Page not found", "/_gateway/no-such-page",
                signed_in=True),
]


@dataclass
class Gateway:
    url: str
    accounts: object
    password: str

    def reset_token(self) -> str:
        return self.accounts.storage.create_token(DEMO_EMAIL, "reset", timedelta(hours=1))


@pytest.fixture(scope="module")
def gateway(built: Project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The gateway in front of the members' build, with the demo member, on a free port."""
    database = tmp_path_factory.mktemp("gateway") / "members.sqlite3"
    accounts, password = prepare_demo_account(
        database, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    settings = GatewaySettings(site_dir=built.path("site/members"), database_url=demo_database_url(database),
                               session_key="k" * 48, production=False)
    with running(create_app(settings, accounts=accounts)) as base:
        yield Gateway(base, accounts, password)


def sign_in(tab, gateway: Gateway) -> None:
    tab.goto(f"{gateway.url}/login")
    tab.get_by_label("Email address", exact=True).fill(DEMO_EMAIL)
    tab.get_by_label("Password", exact=True).fill(gateway.password)
    with tab.expect_navigation():
        tab.get_by_label("Password", exact=True).press("Enter")


def visit(tab, gateway: Gateway, page: GatewayPage) -> str:
    """Show `page` in the tab as a visitor would; return the HTML the gateway sent."""
    tab.context.clear_cookies()
    if page.signed_in:
        sign_in(tab, gateway)
    path = page.path.format(token=gateway.reset_token()) if "{token}" in page.path else page.path
    response = tab.goto(gateway.url + path)
    for label, value in page.form:
        tab.get_by_label(label, exact=True).fill(value.format(password=gateway.password))
    if page.form:
        with tab.expect_navigation() as navigation:
            tab.get_by_label(page.form[-1][0], exact=True).press("Enter")
        response = navigation.value
    heading = tab.locator("h1").first.inner_text().strip()
    assert heading == page.heading, f"{page.name}: expected the page “{page.heading}”, got “{heading}”"
    return response.text()


@pytest.fixture(scope="module")
def gateway_visits(browser, gateway: Gateway) -> Iterator[tuple[list[Violation], dict[str, str]]]:
    """Every gateway page in both schemes: axe's violations, and each page's HTML."""
    auditor = Auditor(browser)
    violations, html = [], {}
    for scheme in SCHEMES:
        for page in GATEWAY_PAGES:
            def open_page(tab, page=page):
                html[page.name] = visit(tab, gateway, page)
            violations += auditor.check(f"gateway: {page.name}", scheme, open_page)
    auditor.close()
    yield violations, html


def test_every_gateway_template_has_a_row_in_the_table_of_pages() -> None:
    templates = {path.name for path in TEMPLATES_DIR.glob("*.html")} - {"base.html"}
    missing = templates - {page.template for page in GATEWAY_PAGES}
    assert not missing, (f"add a row to GATEWAY_PAGES in {Path(__file__).name} for "
                         f"{', '.join(sorted(missing))}: every page the gateway shows is checked")


def test_every_gateway_page_passes_axe(gateway_visits) -> None:
    violations, _ = gateway_visits
    assert not violations, report(violations)


def test_every_gateway_page_is_valid_html(gateway_visits, tmp_path: Path) -> None:
    _, html = gateway_visits
    for number, page in enumerate(GATEWAY_PAGES):
        (tmp_path / f"{number:02d}-{re.sub(r'[^a-z]+', '-', page.name)}.html").write_text(
            html[page.name], encoding="utf-8")
    errors = [m for m in run_vnu("--skip-non-html", tmp_path) if m["type"] == "error" and not is_allowed(m)]
    assert not errors, "The Nu Html Checker found errors in the gateway's pages:\n" + "\n".join(
        describe(m, tmp_path) for m in errors)


# -- the keyboard --------------------------------------------------------------------

FOCUSED = """() => {
  const focused = document.activeElement;
  if (!focused || focused === document.body) return null;
  // A control drawn as a 0x0 input shows its focus on a label after it (Material's palette toggle).
  let shown = focused, box = focused.getBoundingClientRect();
  for (let next = focused.nextElementSibling; (box.width === 0 || box.height === 0) && next;
       next = next.nextElementSibling) {
    if (next.tagName === "LABEL" && next.getBoundingClientRect().width > 0) {
      shown = next; box = next.getBoundingClientRect();
    }
  }
  const style = getComputedStyle(shown);
  const rgba = text => (text.match(/[\\d.]+/g) || []).map(Number).concat([1]).slice(0, 4);
  // What lies behind the ring: the element's own background for a ring drawn inside it,
  // its parent's otherwise; semi-transparent layers down to the first opaque one.
  const layers = [];
  let opaque = false;
  for (let node = parseFloat(style.outlineOffset) < 0 ? shown : shown.parentElement; node; node = node.parentElement) {
    const colour = rgba(getComputedStyle(node).backgroundColor);
    if (colour[3] > 0) layers.push(colour);
    if (colour[3] >= 1) { opaque = true; break; }
  }
  // Visibility is inherited (and may be overridden); opacity multiplies down the tree.
  let visible = style.visibility === "visible";
  for (let node = shown; node; node = node.parentElement) {
    if (parseFloat(getComputedStyle(node).opacity) === 0) visible = false;
  }
  return {
    name: (focused.getAttribute("aria-label") || focused.textContent || focused.tagName).trim().replace(/\\s+/g, " ").slice(0, 50),
    tag: focused.tagName.toLowerCase(), classes: focused.className.toString(),
    outline: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: rgba(style.outlineColor),
    layers, opaque, visible,
    inView: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
            && box.left < innerWidth && box.top < innerHeight,
    inContent: !!focused.closest(".md-content, .lt-main"),
  };
}"""


def luminance(rgb: list[float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(v) for v in rgb[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: list[float], second: list[float]) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def background(layers: list[list[float]], opaque: bool, scheme: str) -> list[float]:
    """The colour the layers add up to, on the canvas of the scheme when none is opaque."""
    colour = [255.0, 255.0, 255.0] if scheme == "light" else [0.0, 0.0, 0.0]
    for red, green, blue, alpha in reversed(layers):
        colour = [alpha * new + (1 - alpha) * old for new, old in zip((red, green, blue), colour)]
    return colour


def focus_problems(tab, where: str, scheme: str, limit: int = 120) -> list[str]:
    """Tab through the page from the top; what is wrong with each focus stop."""
    problems, seen = [], []
    for _ in range(limit):
        tab.keyboard.press("Tab")
        focused = tab.evaluate(FOCUSED)
        if focused and not (focused["visible"] and focused["inView"]):
            settle(tab)  # what focus opens (the search on a phone) opens on the next frame
            focused = tab.evaluate(FOCUSED)
        if focused is None:
            break
        stop = f"{where}: {focused['tag']} “{focused['name']}”"
        if seen and (focused["name"], focused["classes"]) == seen[0]:
            break  # round again
        seen.append((focused["name"], focused["classes"]))
        if not (focused["visible"] and focused["inView"]):
            problems.append(f"{stop} is focused but cannot be seen")
            continue
        if focused["outline"] == "none" or focused["width"] < 2:
            problems.append(f"{stop} shows no focus ring of 2 px or more "
                            f"({focused['outline']} {focused['width']} px)")
            continue
        behind = background(focused["layers"], focused["opaque"], scheme)
        ratio = contrast(focused["colour"], behind)
        if ratio < 3:
            problems.append(f"{stop}: its focus ring is {ratio:.2f}:1 against the background (3:1 needed)")
    return problems


def a_thinkpiece(folder: Path) -> str:
    """The address of the first thinkpiece (a blog post: its own layout, with a sidebar)."""
    return next(page for page in site_pages(folder) if page.startswith("thinkpieces/")
                and "md-content--post" in (folder / page / "index.html").read_text(encoding="utf-8"))


def keyboard_tab(browser, scheme: str, width: int):
    # bypass_csp: the gateway's pages allow no inline style, which still() adds.
    context = browser.new_context(color_scheme=scheme, bypass_csp=True,
                                  viewport={"width": width, "height": HEIGHT})
    return context, context.new_page()


def test_tab_reaches_the_skip_link_first_and_it_leads_into_the_content(
        built: Project, browser, serve_dir) -> None:
    folder = built.path("site/public")
    base = serve_dir(folder)
    problems = []
    for width in WIDTHS:
        context, tab = keyboard_tab(browser, "light", width)
        for page in site_pages(folder):
            tab.goto(f"{base}/{page}")
            tab.keyboard.press("Tab")
            first = tab.evaluate(FOCUSED)
            if not first or first["name"] != "Skip to content":
                problems.append(f"{page} ({width} px): Tab first reaches {first and first['name']!r}")
                continue
            if not first["inView"]:
                problems.append(f"{page} ({width} px): the skip link is focused but out of sight")
            tab.keyboard.press("Enter")
            tab.keyboard.press("Tab")
            after = tab.evaluate(FOCUSED)
            if not after or not after["inContent"]:
                problems.append(f"{page} ({width} px): after the skip link, Tab reaches "
                                f"{after and after['name']!r}, outside the content")
        context.close()
    assert not problems, "\n".join(problems)


def test_every_control_shows_a_focus_ring_that_can_be_seen(
        built: Project, published: Path, gateway: Gateway, browser, serve_dir) -> None:
    public, members, versions = (serve_dir(built.path("site/public")), serve_dir(built.path("site/members")),
                                 serve_dir(published))
    earlier = earlier_cohorts(published)[0]
    pages = {
        "home page": f"{public}/",
        "a thinkpiece": f"{public}/{a_thinkpiece(built.path('site/public'))}",
        "page not found": f"{public}/404.html",
        "members' home page": f"{members}/",
        "an earlier cohort's schedule": f"{versions}/{earlier}/programme/schedule/",
        "gateway sign-in": f"{gateway.url}/login",
    }
    problems = []
    for scheme in SCHEMES:
        for width in WIDTHS:
            context, tab = keyboard_tab(browser, scheme, width)
            for name, url in pages.items():
                tab.goto(url)
                still(tab)
                problems += focus_problems(tab, f"{name} ({scheme}, {width} px)", scheme)
            context.close()
    assert not problems, "\n".join(problems)


def test_the_drawer_opens_and_closes_from_the_keyboard(built: Project, browser, serve_dir) -> None:
    base = serve_dir(built.path("site/public"))
    context, tab = keyboard_tab(browser, "light", 390)
    tab.goto(f"{base}/programme/price/")
    toggle = tab.get_by_role("button", name="Navigation")
    assert toggle.get_attribute("aria-expanded") == "false"
    drawer_link = tab.locator(".md-sidebar--primary").get_by_role("link", name="Eligibility and how to apply")
    # The closed drawer's links are out of reach.
    assert not drawer_link.is_visible()
    toggle.focus()
    tab.keyboard.press("Enter")
    tab.wait_for_function("() => document.getElementById('__drawer').checked")
    assert toggle.get_attribute("aria-expanded") == "true"
    drawer_link.wait_for(state="visible")
    # Every entry of the open drawer is in sight when the keyboard reaches it.
    still(tab)
    problems = focus_problems(tab, "the open drawer", "light")
    assert not problems, "\n".join(problems)
    toggle.focus()
    tab.keyboard.press("Escape")
    tab.wait_for_function("() => !document.getElementById('__drawer').checked")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert tab.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Navigation"
    tab.keyboard.press(" ")
    tab.wait_for_function("() => document.getElementById('__drawer').checked")
    context.close()


def test_the_search_and_the_version_selector_are_named_as_they_read(
        published: Path, browser, serve_dir) -> None:
    base = serve_dir(published)
    earlier = earlier_cohorts(published)[0]
    title = next(version["title"] for version in json.loads((published / "versions.json").read_text("utf-8"))
                 if version["version"] == earlier)
    context, tab = keyboard_tab(browser, "light", 1280)
    tab.goto(f"{base}/{earlier}/programme/schedule/")
    assert tab.get_by_role("dialog", name="Search").count() == 1
    assert tab.get_by_role("textbox", name="Search").is_visible()
    # The selector's name starts with the cohort it shows, as its visible label does.
    selector = tab.get_by_role("button", name=re.compile("^" + re.escape(title)))
    selector.wait_for(state="visible")
    assert selector.inner_text().strip().startswith(title)
    assert "choose a cohort" in selector.get_attribute("aria-label")
    context.close()
