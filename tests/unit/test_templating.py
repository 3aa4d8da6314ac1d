"""Macros in Markdown: rendered with autoescape, every mistake one line at its place."""

from __future__ import annotations

import pytest

from leadingtrusts.errors import ContentError
from leadingtrusts.pages.templating import MacroEnvironment, MacroError, PageInfo, checked_call

PAGE = "docs/page.md"
FIRST_LINE = 5  # the page's body starts on line 5, after its front matter


@pytest.fixture
def env(tmp_path) -> MacroEnvironment:
    """A macro environment with one partial, one phrase macro and one variable."""
    (tmp_path / "notice.html").write_text("<p>{{ text }}</p>", encoding="utf-8")
    environment = MacroEnvironment(tmp_path, staged=None)
    environment.variables["title"] = "Growth <that> lasts"

    def price():
        """'£5,000 per person'."""
        return "£5,000 per person"

    def count(kind):
        """'12 webinars', counted from the schedule."""
        if kind != "webinar":
            raise MacroError(f"count() takes one kind of session; found {kind!r}")
        return "12 webinars"

    environment.macros = {"price": checked_call("price", price),
                          "count": checked_call("count", count),
                          "notice": checked_call("notice", lambda text: environment.render_partial(
                              "notice", text=text))}
    return environment


def render(env: MacroEnvironment, markdown: str) -> str:
    return env.render(markdown, PageInfo("page/"), PAGE, FIRST_LINE)


def problem(env: MacroEnvironment, markdown: str) -> str:
    """The one line an editor is shown for `markdown`."""
    with pytest.raises(ContentError) as raised:
        render(env, markdown)
    (found,) = raised.value.problems
    return str(found)


def test_text_from_content_is_escaped_and_partials_are_html(env):
    assert render(env, "# {{ title }}\n{{ notice('a < b') }}\n") == \
        "# Growth &lt;that&gt; lasts\n<p>a &lt; b</p>\n"


def test_a_page_without_macros_is_untouched(env):
    text = "Attributes {#price} and {: .note } stay as they are.\n"
    assert render(env, text) == text


def test_comments_use_slashes_so_attribute_lists_survive(env):
    assert render(env, "{// a note //}## Price {#price}\n") == "## Price {#price}\n"


def test_an_unclosed_variable_is_named_where_it_opened(env):
    markdown = "Intro\n\nThe price is {{ price()\n\nThe next paragraph.\n\nEnd {{ title }}.\n"
    assert problem(env, markdown) == (
        f"{PAGE}:7:14: macro syntax error: '{{{{' is opened here but not closed on this line: "
        "add '}}' (Jinja read on to line 11 looking for it)")


def test_an_unclosed_if_is_named_where_it_opened(env):
    markdown = ("One\n{% if title %}\nTwo {% for x in [1] %}{{ x }}{% endfor %}\n"
                "{% set y = 1 %}\nThree\n")
    assert problem(env, markdown) == (
        f"{PAGE}:6:1: macro syntax error: '{{% if %}}' is opened here but never closed: "
        "add '{% endif %}' where it should end")


def test_an_error_inside_a_tag_on_one_line_keeps_jinja_s_words(env):
    assert problem(env, "One\nTwo {{ price( }}\n") == \
        f"{PAGE}:6:5: macro syntax error: unexpected '}}', expected ')'"


def test_a_misspelt_name_is_located_with_a_suggestion(env):
    assert problem(env, "One\n\nCosts {{ prise() }}.\n") == (
        f"{PAGE}:7:10: unknown macro or variable: 'prise' is undefined "
        "(did you mean 'price'?)")


def test_wrong_arguments_say_how_the_macro_is_written(env):
    assert problem(env, "Costs {{ price(5) }}.\n") == (
        f"{PAGE}:5:10: price() was called as price(5), but it takes no arguments: write price() "
        "(it gives '£5,000 per person')")
    assert problem(env, "Line\n{{ count() }}\n") == (
        f"{PAGE}:6:4: count() was called as count(), but it is written count(kind) "
        "(it gives '12 webinars', counted from the schedule)")


def test_a_macro_refusing_a_value_is_located(env):
    assert problem(env, "A\nB\nWe run {{ count('webinars') }}.\n") == \
        f"{PAGE}:7:11: count() takes one kind of session; found 'webinars'"
