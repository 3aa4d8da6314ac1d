"""The macros Markdown pages in docs/ can call, in mkdocs-macros' `define_env` form.

Each partial in overrides/partials/content/ is the macro of the same name:
`{{ application_steps() }}` renders application_steps.html. The two below
compute a phrase instead. The data comes from `page_variables`, a plain
function of the staged context (content, cohort, audience, time of build);
the wording from leadingtrusts.site.wording.
"""

from difflib import get_close_matches
from functools import partial

from leadingtrusts.pages.templating import MacroError
from leadingtrusts.pipeline.context import page_variables
from leadingtrusts.site.schema import SessionKind
from leadingtrusts.site.wording import FILTERS, count_of, money


def define_env(env):
    """Give the pages their variables, the wording filters and one macro per partial."""
    env.variables.update(page_variables(env.staged))
    env.filters.update(FILTERS)
    cohort = env.variables["cohort"]

    for name in env.partial_names():
        env.macro(partial(env.render_partial, name), name)

    @env.macro
    def count(kind):
        """'12 webinars', counted from this cohort's schedule."""
        kinds = [k.value for k in SessionKind]
        if kind not in kinds:
            close = get_close_matches(str(kind), kinds, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise MacroError(f"count() takes one kind of session, one of "
                             f"{', '.join(repr(k) for k in kinds)}; found {kind!r}{hint}")
        return count_of(cohort, kind)

    @env.macro
    def price():
        """'£5,000 per person'."""
        return f"{money(cohort.pricing.price)} per {cohort.pricing.price.per}"
