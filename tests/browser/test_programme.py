"""A visitor on a phone opens the programme overview and the schedule."""

from __future__ import annotations

from urllib.parse import urlparse

import yaml


def _sessions(project):
    data = yaml.safe_load(project.read("content/cohorts/cohort-3/schedule.yml"))
    return [s for term in data["terms"] for s in term["sessions"]]


def test_home_and_schedule_show_the_figures_from_content(built, page, serve_dir):
    base = serve_dir(built.path("site/public"))
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))

    page.goto(f"{base}/")
    programme = yaml.safe_load(built.read("content/programme.yml"))
    body = page.locator("article").inner_text()
    for figure in programme["figures"].values():
        assert figure["value"] in body
    assert "£5,000 per person" in body
    assert "Friday 25 June 2027 at 5pm (UK time)" in body
    apply = page.get_by_role("link", name="Ask for the application form").first
    assert apply.is_visible()

    page.goto(f"{base}/programme/schedule/")
    sessions = _sessions(built)
    assert page.locator("li.lt-session").count() == len(sessions)
    counts = page.locator("ul.lt-counts").first.inner_text()
    webinars = sum(s["kind"] == "webinar" for s in sessions)
    assert f"{webinars}\nwebinars" in counts or f"{webinars} webinars" in counts
    first = sessions[0]
    assert page.get_by_text(first["title"]).first.is_visible()
    assert page.locator("h3", has_text="Autumn term 2027").is_visible()

    assert hosts == {"127.0.0.1"}, f"the pages contacted {hosts - {'127.0.0.1'}}"
