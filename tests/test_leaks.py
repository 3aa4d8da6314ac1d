"""End to end: member-only words pasted into a public page stop the build."""

from __future__ import annotations

import re
from pathlib import Path

from leadingtrusts.pipeline.leakcheck import LeakIndex, scan_site, words_of
from leadingtrusts.pipeline.sources import Project
from leadingtrusts.pipeline.stage import read_sources

POST = "docs/thinkpieces/posts/growth-that-lasts.md"
PUBLIC_PAGE = "docs/principles.md"
PREVIEW_PHRASE = ("This piece argues that the better question for a board is what each new "
                  "school will make possible for children")


def member_part(project, source: str = POST) -> str:
    """What follows the piece's `<!-- more -->`: its member-only text."""
    return project.read(source).split("<!-- more -->", 1)[1]


def long_member_sentence(project) -> str:
    """The longest sentence of the member-only part (at least 30 words)."""
    prose = [line for line in member_part(project).splitlines() if line and line[0].isalpha()]
    sentences = [s for line in prose for s in re.split(r"(?<=[.?!])\s+", line)]
    longest = max(sentences, key=lambda sentence: len(sentence.split()))
    assert len(longest.split()) >= 30, longest
    return longest


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site, by path, to tell whether a failed build changed any."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def paste_into_public_page(project, text: str) -> None:
    """An editor quoting `text` at the end of a public page."""
    pasted = f"\nIn the words of one trust leader: {text} and we agree.\n"
    project.write(PUBLIC_PAGE, project.read(PUBLIC_PAGE) + pasted)


def test_a_clean_build_has_no_leak_and_a_pasted_member_fragment_fails_the_build(project):
    result = project.run("build")
    assert result.code == 0, result.output
    index = LeakIndex.from_texts(read_sources(Project(project.root)).member_texts())
    assert scan_site(project.path("site/public"), index) == []
    in_members_site = {leak.page for leak in scan_site(project.path("site/members"), index)}
    assert POST in in_members_site, "the check must see the member text where it belongs"
    last_good = site_files(project.path("site/public"))

    fragment = " ".join(long_member_sentence(project).split()[:16])
    paste_into_public_page(project, fragment)
    result = project.build()
    assert result.code != 0 and "Traceback" not in result.output
    words = " ".join(words_of(fragment))
    assert (f'leak: principles/index.html: member-only text from {POST} leaked (16 words): '
            f'"{words}"') in result.output, result.output
    assert "leak check failed: member-only text in" in result.output
    assert site_files(project.path("site/public")) == last_good


def test_member_only_alt_text_pasted_as_public_prose_fails_the_build(project):
    alt = "Pupil numbers rose in every school that joined after 2019"
    project.replace(POST, "## Growth and belonging\n",
                    f"![{alt}](../../assets/images/logo.svg)\n\n## Growth and belonging\n")
    paste_into_public_page(project, alt.lower())
    result = project.build()
    assert result.code != 0 and "Traceback" not in result.output
    assert f"leak: principles/index.html: member-only text from {POST} leaked" in result.output
    assert " ".join(words_of(alt)) in result.output


def test_member_text_repeating_the_pieces_own_preview_is_not_a_leak(project):
    assert PREVIEW_PHRASE in project.read(POST).split("<!-- more -->")[0]
    project.replace(POST, "## Growth and belonging\n",
                    f"As we said at the start, {PREVIEW_PHRASE.lower()}.\n\n"
                    "## Growth and belonging\n")
    result = project.build()
    assert result.code == 0, result.output
    preview_page = project.page(
        "thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for")
    assert PREVIEW_PHRASE in preview_page
    assert "As we said at the start" not in preview_page
