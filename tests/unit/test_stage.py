"""The stage: what each audience's docs tree holds, before any engine runs."""

from __future__ import annotations

import pytest
import yaml

from leadingtrusts.errors import ContentError
from leadingtrusts.pipeline.context import Settings, build_time
from leadingtrusts.pipeline.sources import Project
from leadingtrusts.pipeline.stage import pick_context, read_sources, write_tree

POST = "docs/thinkpieces/posts/growth-that-lasts.md"
PUBLIC_POST = "docs/thinkpieces/posts/making-the-case.md"
MEMBERS_WORDS = "Boards that set a target number of schools"


def stage(project, audience: str = "public", cohort: str | None = None):
    sources = read_sources(Project(project.root))
    context = pick_context(sources, audience, cohort, build_time("2026-11-24T12:00:00"), Settings())
    return write_tree(sources, context, project.path(f"build/stage/{audience}"))


def staged_files(tree) -> set[str]:
    return {p.relative_to(tree.docs).as_posix() for p in tree.docs.rglob("*") if p.is_file()}


def front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("---\n")[1])


def test_the_public_tree_has_no_members_area_and_only_previews_of_member_pieces(project):
    tree = stage(project)
    files = staged_files(tree)
    assert not any(f.startswith("members/") for f in files)
    staged = (tree.docs / POST.removeprefix("docs/")).read_text()
    assert MEMBERS_WORDS not in staged and "Sign in to read on" in staged
    assert "http://127.0.0.1:8001/thinkpieces/growth-that-lasts" in staged
    members = stage(project, "members")
    assert "members/index.md" in staged_files(members)
    assert MEMBERS_WORDS in (members.docs / POST.removeprefix("docs/")).read_text()


def test_a_preview_carries_the_reading_time_of_the_whole_piece(project):
    public = front_matter((stage(project).docs / POST.removeprefix("docs/")).read_text())
    whole = front_matter((stage(project, "members").docs / POST.removeprefix("docs/")).read_text())
    assert public["readtime"] == whole["readtime"] >= 1
    assert public["slug"] == "growth-that-lasts-rethinking-what-trust-expansion-is-for"
    assert public["description"] == public["summary"]
    project.replace(POST, "## For your next board meeting", "## For your next board meeting\n\n"
                    + "More member-only words for a longer read. " * 400)
    assert front_matter((stage(project).docs / POST.removeprefix("docs/")).read_text())[
        "readtime"] > public["readtime"]


def test_files_used_only_by_member_text_stay_out_of_the_public_tree(project):
    project.write("docs/thinkpieces/posts/growth-plan.pdf", "%PDF-1.4 member-only plan")
    project.write("docs/assets/images/board-chart.svg", "<svg/>")
    project.write("docs/thinkpieces/posts/public-handout.pdf", "%PDF-1.4 public handout")
    project.write("docs/assets/images/unused.svg", "<svg/>")
    project.replace(POST, "## For your next board meeting",
                    "[The growth plan](growth-plan.pdf) and ![A chart](../../assets/images/"
                    "board-chart.svg)\n\n## For your next board meeting")
    project.replace(PUBLIC_POST, "<!-- more -->", "[A handout](public-handout.pdf)\n\n<!-- more -->")
    public = staged_files(stage(project))
    assert "thinkpieces/posts/growth-plan.pdf" not in public
    assert "assets/images/board-chart.svg" not in public
    assert "thinkpieces/posts/public-handout.pdf" in public
    assert "assets/images/unused.svg" in public  # a site asset nobody member-only uses
    assert "assets/stylesheets/site.css" in public and "assets/images/logo.svg" in public
    members = staged_files(stage(project, "members"))
    assert {"thinkpieces/posts/growth-plan.pdf", "assets/images/board-chart.svg"} <= members


def test_a_file_sitting_beside_a_member_piece_unreferenced_is_not_published(project):
    project.write("docs/thinkpieces/posts/notes-for-members.pdf", "%PDF-1.4")
    assert "thinkpieces/posts/notes-for-members.pdf" not in staged_files(stage(project))


def test_restaging_rewrites_only_what_changed_and_removes_what_went(project):
    tree = stage(project)
    price = tree.docs / "programme/price.md"
    untouched = tree.docs / "principles.md"  # nothing on it depends on the price
    before = (price.stat().st_mtime_ns, untouched.stat().st_mtime_ns)
    project.replace("content/cohorts/cohort-3/pricing.yml", "amount: 5000", "amount: 5250")
    project.path("docs/membership.md").unlink()
    project.replace("mkdocs.yml", "  - Members' area: membership.md\n", "")
    tree = stage(project)
    assert "£5,250" in price.read_text() and price.stat().st_mtime_ns != before[0]
    assert untouched.stat().st_mtime_ns == before[1]
    assert not (tree.docs / "membership.md").exists()


def test_the_engine_configuration_says_which_build_this_is(project):
    config = yaml.safe_load(stage(project, cohort="cohort-2").config_file.read_text())
    edition = config["extra"]["edition"]
    assert edition["audience"] == "public" and edition["is_latest"] is False
    assert edition["cohort_title"] == "Cohort 2 (2026–27)"
    assert config["strict"] is True and config["docs_dir"] == "docs"
    assert "version" not in config["extra"]  # no version selector outside a published site
    assert all("mike" not in (p if isinstance(p, str) else next(iter(p)))
               for p in config["plugins"])


def test_a_link_to_a_members_page_from_public_text_is_an_error_at_its_line(project):
    project.replace("docs/principles.md", "Read more in the",
                    "See the [masterclass](members/masterclass-engaging-schools.md). Read more in the")
    line = project.line_of("docs/principles.md", "masterclass-engaging-schools.md")
    with pytest.raises(ContentError) as caught:
        stage(project)
    message = str(caught.value)
    assert f"docs/principles.md:{line}:" in message
    assert "member-only pages are not part of the public build" in message
    stage(project, "members")  # the members' tree has the page


def _contexts(project):
    sources = read_sources(Project(project.root))
    now = build_time("2026-11-24T12:00:00")
    return sources, {a: pick_context(sources, a, None, now, Settings()) for a in ("public", "members")}


def test_trees_written_side_by_side_are_the_trees_written_one_by_one(project):
    from leadingtrusts.pipeline.stage import stage as stage_all

    sources, contexts = _contexts(project)
    serial = stage_all(Project(project.root), contexts, sources, parallel_from=10_000)
    texts = {name: {p: (tree.docs / p).read_bytes() for p in staged_files(tree)}
             for name, tree in serial.items()}
    for tree in serial.values():
        import shutil
        shutil.rmtree(tree.root)
    parallel = stage_all(Project(project.root), contexts, sources, parallel_from=0)
    assert {name: {p: (tree.docs / p).read_bytes() for p in staged_files(tree)}
            for name, tree in parallel.items()} == texts
    assert parallel["members"].pages == serial["members"].pages


def test_a_mistake_found_in_a_tree_written_by_another_process_is_reported_whole(project):
    from leadingtrusts.pipeline.stage import stage as stage_all

    project.replace("docs/members/index.md", "# Members' resources",
                    "# Members' resources\n\n{{ no_such_macro() }}")
    line = project.line_of("docs/members/index.md", "no_such_macro")
    sources, contexts = _contexts(project)
    with pytest.raises(ContentError) as caught:
        stage_all(Project(project.root), contexts, sources, parallel_from=0)
    [problem] = caught.value.problems
    assert problem.file.endswith("docs/members/index.md") and problem.line == line
    assert "no_such_macro" in problem.message


def test_a_page_saved_with_windows_line_endings_keeps_its_front_matter(project):
    page = project.path("docs/programme/price.md")
    page.write_bytes(page.read_bytes().replace(b"\n", b"\r\n"))
    post = project.path(POST)
    post.write_bytes(post.read_bytes().replace(b"\n", b"\r\n"))
    tree = stage(project)
    staged = (tree.docs / "programme/price.md").read_text()
    assert front_matter(staged)["description"].startswith("What a place on LeadingTrusts costs")
    assert "\r" not in staged
    assert MEMBERS_WORDS not in (tree.docs / POST.removeprefix("docs/")).read_text()
