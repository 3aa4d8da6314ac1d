"""The leak check finds any eight-word run of member-only text, wherever it lands."""

from __future__ import annotations

import gzip
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import markdown
import yaml

from leadingtrusts.pipeline.leakcheck import (Leak, LeakIndex, built_file_text, find_leaks,
                                              scan_site, streams, words_of)

ROOT = Path(__file__).resolve().parents[2]
PAGE = "docs/thinkpieces/posts/secret.md"
# 30 words, as an editor would write it; its first 16 words are pasted into public pages.
SENTENCE = ("Boards that set a target number of schools tend to find the schools to match it, "
            "whatever the local need and capacity of the trust's central team.")
FIRST_16 = "Boards that set a target number of schools tend to find the schools to match it,"


@dataclass
class Text:
    """A member-only text as `Sources.member_texts()` gives it."""

    page: str
    text: str
    preview: str = ""


def index_of(member_markdown: str, preview: str = "", page: str = PAGE) -> LeakIndex:
    return LeakIndex.from_texts([Text(page, member_markdown, preview)])


def leaks_in(html_text: str, index: LeakIndex, name: str = "principles/index.html") -> list[Leak]:
    return find_leaks({name: html_text}, index)


def public_page(body: str) -> str:
    """A public page as the theme wraps it: head, navigation and all."""
    return ("<!doctype html><html><head><title>Principles</title>"
            '<meta name="description" content="The six principles of a Thriving Trust."></head>'
            '<body><nav class="md-nav"><a href="../" class="md-nav__link">Home</a></nav>'
            f'<article class="md-content__inner md-typeset">{body}</article></body></html>')


# --- how many words make a leak ---------------------------------------------------

def test_sixteen_words_of_a_long_member_sentence_pasted_mid_paragraph_are_a_leak():
    index = index_of(f"## Growth\n\n{SENTENCE}\n")
    page = public_page(f"<p>We believe that {FIRST_16} and that is why we exist.</p>")
    [leak] = leaks_in(page, index)
    assert leak.file == "principles/index.html" and leak.page == PAGE
    assert leak.words == " ".join(words_of(FIRST_16))


def test_eight_consecutive_words_are_a_leak_and_seven_are_not():
    index = index_of(SENTENCE)
    eight, seven = " ".join(SENTENCE.split()[3:11]), " ".join(SENTENCE.split()[3:10])
    assert leaks_in(public_page(f"<p>Unrelated words, then {eight}; and more.</p>"), index)
    assert not leaks_in(public_page(f"<p>Unrelated words, then {seven}; and more.</p>"), index)


def test_a_member_sentence_shorter_than_eight_words_is_not_checked_on_its_own():
    index = index_of("Seven words of members' text here.")
    assert len(index) == 0
    assert not leaks_in(public_page("<p>Seven words of members' text here.</p>"), index)


# --- the preview exclusion ------------------------------------------------------

def test_a_run_also_in_the_same_pieces_preview_is_not_a_leak():
    preview = "# Growth\n\nThis piece argues that the better question for a board is what matters."
    member = ("As we said, this piece argues that the better question for a board is what "
              f"matters.\n\n{SENTENCE}\n")
    index = index_of(member, preview)
    shown = public_page("<h1>Growth</h1><p>This piece argues that the better question for a "
                        "board is what matters.</p>")
    assert not leaks_in(shown, index)
    assert leaks_in(public_page(f"<p>{FIRST_16}</p>"), index), "the rest is still member-only"


def test_a_run_in_another_pieces_preview_does_not_excuse_it():
    preview = "This piece argues that the better question for a board is what matters."
    index = LeakIndex.from_texts([Text(PAGE, SENTENCE, preview),
                                  Text("docs/members/index.md", preview)])
    [leak] = leaks_in(public_page(f"<p>{preview}</p>"), index)
    assert leak.page == "docs/members/index.md"


def test_a_web_address_that_member_text_and_a_public_page_both_link_to_is_not_a_leak():
    address = "https://www.gov.uk/government/publications/academy-trust-governance-guide-for-boards"
    index = index_of(f"Read [the guide]({address}) first.\n\nOr see {address} now.\n\n"
                     f'<a href="{address}/annex-on-growth-and-new-schools">annex</a>\n\n{SENTENCE}')
    public = public_page(f'<p>Read <a href="{address}">the national guide</a> and its '
                         f'<a href="{address}/annex-on-growth-and-new-schools">annex</a>.</p>'
                         f"<p>Address: {address}</p>")
    assert not leaks_in(public, index)
    assert leaks_in(public_page(f"<p>{FIRST_16}</p>"), index)


# --- markup: inline tags, attributes, code, Markdown constructs -----------------

def test_a_run_split_across_inline_tags_is_one_run():
    index = index_of(SENTENCE)
    page = public_page('<p>Boards that <strong>set a</strong> target <a href="/x" title="t">number'
                       "</a> of <em>sch</em>ools tend to find</p>")
    assert leaks_in(page, index)


def test_attribute_names_between_words_neither_join_nor_break_a_run():
    index = index_of(SENTENCE)
    page = public_page('<p>Boards that set a <span class="md-tag" data-md-state="open" '
                       'title="Long title words that are not from any member page">target</span>'
                       ' number of</p><div data-x="y">schools tend to find</div>')
    assert leaks_in(page, index)
    two_values = public_page('<img alt="Boards that set a target" title="number of schools tend">')
    assert not leaks_in(two_values, index), "two attribute values are two streams"


def test_member_alt_text_and_titles_from_markdown_and_raw_html_are_caught_as_prose():
    alt = "A line chart of pupil numbers rising in every school since 2019"
    image_title = "Pupil numbers by school and year across the whole trust family"
    link_title = "The full board paper on growth that members can download today"
    raw_alt = "A photograph of the trust board meeting in the main school hall"
    raw_title = "Minutes of the closed session kept for members of the network only"
    index = index_of(f'Short intro.\n\n![{alt}](chart.png "{image_title}")\n\n'
                     f'Read [the paper](paper.pdf "{link_title}").\n\n'
                     f'<figure><img src="x.jpg" alt="{raw_alt}"><figcaption>Board</figcaption>'
                     f'</figure>\n\n<a href="m.pdf" title="{raw_title}">Minutes</a>\n')
    for words in (alt, image_title, link_title, raw_alt, raw_title):
        assert leaks_in(public_page(f"<p>As pasted: {words}.</p>"), index), words
        assert leaks_in(public_page(f'<img src="y.png" alt="{words}">'), index), words


def test_member_code_blocks_and_inline_code_are_member_text():
    member = ("Run the check:\n\n```python\nboard_report = build_report(trust, "
              "year=2027, include_closed_session=True)\n```\n\nThen type "
              "`git commit --message 'closed session notes for the board'` in a terminal.\n")
    index = index_of(member)
    highlighted = public_page(
        '<pre><code class="language-python"><span class="n">board_report</span> <span class="o">'
        '=</span> <span class="n">build_report</span><span class="p">(</span>trust, year=2027, '
        "include_closed_session=True)</code></pre>")
    assert leaks_in(highlighted, index)
    inline = public_page("<p><code>git commit --message &#39;closed session notes for the "
                         "board&#39;</code></p>")
    assert leaks_in(inline, index)


def test_a_run_from_prose_into_a_fenced_code_block_skips_the_fence_and_its_language():
    index = index_of("Type these words first:\n\n```bash\nmake build --audience members\n```\n")
    page = public_page('<p>Type these words first:</p>\n<pre><code class="language-bash">make '
                       "build --audience members\n</code></pre>")
    [leak] = leaks_in(page, index)
    assert leak.words == "type these words first make build audience members"


def test_attribute_lists_do_not_break_a_run_from_heading_into_paragraph():
    index = index_of("## Four questions before any school joins {#questions .wide}\n\n"
                     "First, can the central team cope?\n")
    page = public_page('<h2 class="wide" id="questions">Four questions before any school joins'
                       '<a class="headerlink" href="#questions" title="Permanent link">&para;</a>'
                       "</h2>\n<p>First, can the central team cope?</p>")
    [leak] = leaks_in(page, index)
    assert leak.words.startswith("four questions before any school joins first can")


def test_whatever_the_engine_renders_from_member_markdown_is_in_the_index():
    member = (ROOT / "docs/thinkpieces/posts/growth-that-lasts.md").read_text(encoding="utf-8")
    member = member.split("<!-- more -->")[1] + (
        "\n1. First numbered point about the central team and its capacity to grow\n"
        "2. Second numbered point about belonging in (c) every joining school community\n\n"
        '!!! note "A note for boards that are weighing a merger this year"\n'
        "    Boards should ask for [the evidence][ev] before any decision is taken at all.\n\n"
        '[ev]: https://example.org/evidence "The evidence base collected by our researchers"\n\n'
        "| Question | Who answers it in the trust |\n|---|---|\n"
        "| Capacity | The chief operating officer and the central team together |\n")
    rendered = markdown.markdown(member, extensions=site_markdown_extensions(),
                                 extension_configs=site_markdown_configs())
    index = index_of(member)
    public_streams = streams(rendered)
    assert sum(map(len, public_streams)) > 250
    assert leaks_in(rendered, index)
    for stream in public_streams:  # every run of every stream, not only some
        assert all(leaks_in(" ".join(stream[i:i + 8]), index) for i in range(len(stream) - 7)), \
            stream


def site_markdown_extensions() -> list[str]:
    """The extensions mkdocs.yml gives the engine, and the three MkDocs always adds."""
    entries = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["markdown_extensions"]
    names = [entry if isinstance(entry, str) else next(iter(entry)) for entry in entries]
    return names + [name for name in ("toc", "tables", "fenced_code") if name not in names]


def site_markdown_configs() -> dict[str, dict]:
    entries = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["markdown_extensions"]
    return {name: config for entry in entries if isinstance(entry, dict)
            for name, config in entry.items()}


# --- typography and escapes -------------------------------------------------------

def test_entities_and_typographic_apostrophes_quotes_and_dashes_do_not_hide_a_run():
    index = index_of("The trust's \"central\" team -- not the board -- decides what each "
                     "school's offer will be.")
    for public in ("The trust&rsquo;s &ldquo;central&rdquo; team &mdash; not the board &mdash; "
                   "decides what each school&#8217;s offer will be.",
                   "The Trust\u2019s \u201cCentral\u201d team\u00a0\u2013 not the board \u2013 "
                   "decides what each school\u02bcs offer will be.",
                   "THE TRUST&#x27;S CENTRAL TEAM, NOT THE BOARD, DECIDES WHAT EACH SCHOOL'S "
                   "OFFER WILL BE."):
        assert leaks_in(public_page(f"<p>{public}</p>"), index), public


def test_soft_hyphens_zero_width_spaces_ligatures_and_modifier_apostrophes_inside_words():
    index = index_of("The trust's central team decides each school's offer.")  # eight words
    for public in ("The trust\u02bcs cen&shy;tral team decides each school\u2019s o\ufb00er.",
                   "The trust\u2019s central\u200b team decides each school's offer.",
                   "<b>The</b> trust&#39;s central team de<wbr>cides each school's offer."):
        assert leaks_in(public_page(f"<p>{public}</p>"), index), public


def test_member_text_in_an_html_comment_or_a_share_link_is_a_leak():
    index = index_of(SENTENCE)
    assert leaks_in(public_page(f"<!-- draft: {SENTENCE} -->"), index)
    share = "https://example.org/share?text=" + "%20".join(FIRST_16.split())
    assert leaks_in(public_page(f'<a href="{share}">Share</a>'), index)


# --- file types -------------------------------------------------------------------

def test_search_index_json_with_html_inside_its_strings():
    index = index_of(SENTENCE)
    search = json.dumps({"config": {"lang": ["en"]}, "docs": [
        {"location": "principles/", "title": "Principles",
         "text": "<p>Boards that <strong>set a target</strong> number of schools tend to find "
                 "the schools to match it, whatever the local need.</p>"}]})
    text = built_file_text("search_index.json", search.encode())
    assert leaks_in(text, index, "search/search_index.json")


def test_json_escapes_in_javascript_do_not_hide_a_run():
    index = index_of("The trust's central team decides each school's offer.")  # eight words
    script = ('var docs=[{"text":"\\u003cp\\u003eThe trust\\u2019s central team decides '
              'each school\\u2019s offer.\\u003c/p\\u003e"}];')
    assert leaks_in(built_file_text("search.min.js", script.encode()), index)


def test_gzip_files_are_read_whatever_their_name():
    index = index_of(SENTENCE)
    data = gzip.compress(f"<urlset><url><loc>x</loc><!-- {SENTENCE} --></url></urlset>".encode())
    for name in ("sitemap.xml.gz", "sitemap.bin"):
        assert leaks_in(built_file_text(name, data), index, name)


def test_feeds_with_cdata_or_escaped_html_in_descriptions():
    index = index_of(SENTENCE)
    cdata = ('<?xml version="1.0"?><rss><channel><item><description><![CDATA[Boards that '
             '<em>set</em> a target number of schools]]></description></item></channel></rss>')
    escaped = ('<?xml version="1.0"?><rss><channel><item><description>&lt;p&gt;Boards that '
               "&lt;strong&gt;set a target&lt;/strong&gt; number of schools tend to find"
               "&lt;/p&gt;</description></item></channel></rss>")
    for feed in (cdata, escaped):
        assert leaks_in(built_file_text("feed.xml", feed.encode()), index, "feed.xml"), feed


def test_minified_javascript_and_css_are_read_as_text():
    index = index_of(SENTENCE)
    script = ('!function(e,t){if(e<t){t.push("' + SENTENCE.replace("'", "\\'")
              + '");for(var n=0;n<t.length;n++)if(n>3)break}}(5,[]);')
    assert leaks_in(built_file_text("app.min.js", script.encode()), index)
    css = '.a>.b::after{content:"' + FIRST_16 + '"}@media (max-width:50%){.c{color:red}}'
    assert leaks_in(built_file_text("site.min.css", css.encode()), index)


def test_binary_files_do_not_crash_it_and_their_printable_text_is_read():
    index = index_of(SENTENCE)
    noise = os.urandom(2_000_000)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise
    assert not leaks_in(built_file_text("photo.png", png) or "", index)
    font = b"wOF2\x00\x01\x00\x00" + noise
    assert not leaks_in(built_file_text("font.woff2", font) or "", index)
    tagged = b"\x89PNG\r\n\x1a\n\x00\x00\x00tEXtDescription\x00" + SENTENCE.encode() + noise[:999]
    assert leaks_in(built_file_text("chart.png", tagged), index)


def test_zip_archives_such_as_word_documents_are_read():
    index = index_of(SENTENCE)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", f"<w:document><w:body><w:p><w:r><w:t>{SENTENCE}"
                                              "</w:t></w:r></w:p></w:body></w:document>")
    assert leaks_in(built_file_text("board-paper.docx", buffer.getvalue()), index)


def test_scan_site_reads_every_file_and_names_each_leaking_one(tmp_path: Path):
    index = index_of(SENTENCE)
    files = {
        "principles/index.html": public_page(f"<p>{FIRST_16}</p>").encode(),
        "search/search_index.json": json.dumps({"docs": [{"text": f"<p>{SENTENCE}</p>"}]}).encode(),
        "sitemap.xml.gz": gzip.compress(f"<!-- {SENTENCE} -->".encode()),
        "index.html": public_page("<p>Nothing member-only here at all, only public words.</p>")
                      .encode(),
        "assets/images/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 40,
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    leaks = scan_site(tmp_path, index)
    assert sorted(leak.file for leak in leaks) == [
        "principles/index.html", "search/search_index.json", "sitemap.xml.gz"]


# --- the message --------------------------------------------------------------------

def test_the_message_names_the_file_the_source_page_and_the_words():
    index = index_of(SENTENCE)
    [leak] = leaks_in(public_page(f"<p>{FIRST_16}</p>"), index)
    message = str(leak)
    assert message.startswith("principles/index.html: member-only text from "
                              "docs/thinkpieces/posts/secret.md leaked (16 words):")
    assert '"boards that set a target number of schools tend to find the schools to match it"' \
        in message
    long_leak = Leak("x.html", PAGE, " ".join(["word"] * 100))
    assert len(str(long_leak)) < 250 and str(long_leak).endswith('…"')
