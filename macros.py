"""Macros for the Markdown pages in docs/ (loaded by mkdocs-macros).

Thin on purpose: the data comes validated from the leadingtrusts plugin, the
wording of dates and counts from leadingtrusts.render, and the HTML from the
Jinja partials in overrides/partials/content/. Each macro renders one partial.
"""

from markupsafe import Markup

from leadingtrusts.render import FILTERS, count_of


def define_env(env):
    """Expose the validated content and one macro per partial."""
    plugin = env.conf.plugins["leadingtrusts"]
    env.filters.update(FILTERS)
    env.variables.update({
        "programme": plugin.site.programme,
        "principles": plugin.site.principles,
        "cohorts": plugin.site.cohorts,
        "cohort": plugin.cohort,
        "deadline": plugin.deadline,
        "audience": plugin.config.audience,
        "members_url": plugin.config.members_url,
    })

    def partial(name, **context):
        template = env.env.get_template(name)
        return Markup(template.render(**env.variables, **context))

    @env.macro
    def count(kind):
        """'12 webinars', counted from this cohort's schedule."""
        return count_of(plugin.cohort, kind)

    @env.macro
    def price():
        """'£5,000 per person'."""
        return f"{FILTERS['money'](plugin.cohort.pricing.price)} per {plugin.cohort.pricing.price.per}"

    @env.macro
    def rationale_figures():
        return partial("figures.html")

    @env.macro
    def objectives():
        return partial("objectives.html")

    @env.macro
    def schedule():
        return partial("schedule.html")

    @env.macro
    def session_counts():
        return partial("session-counts.html")

    @env.macro
    def inclusions():
        return partial("inclusions.html")

    @env.macro
    def eligibility_criteria():
        return partial("criteria.html")

    @env.macro
    def application_steps():
        return partial("steps.html")

    @env.macro
    def deadline_notice():
        return partial("deadline.html")

    @env.macro
    def apply_button():
        return partial("apply-button.html")

    @env.macro
    def principle_list(detail=True):
        return partial("principles.html", detail=detail)

    @env.macro
    def sample_notice():
        return partial("sample-notice.html")

    @env.macro
    def members_call_to_action():
        page = env.page
        return partial("members-call-to-action.html", page_url=page.url if page else "")
