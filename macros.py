"""Macros for the Markdown pages in docs/ (loaded by mkdocs-macros).

Thin on purpose: the data comes validated from the leadingtrusts plugin, the
wording of dates and counts from leadingtrusts.render, and the HTML from the
Jinja partials in overrides/partials/content/. Most macros render one partial.
"""

from functools import partial as bind

from markupsafe import Markup

from leadingtrusts.render import FILTERS, count_of, money

# Macro name -> the partial it renders, for macros that take no arguments.
PARTIALS = {
    "rationale_figures": "figures.html",
    "objectives": "objectives.html",
    "schedule": "schedule.html",
    "session_counts": "session-counts.html",
    "inclusions": "inclusions.html",
    "eligibility_criteria": "criteria.html",
    "application_steps": "steps.html",
    "deadline_notice": "deadline.html",
    "apply_button": "apply-button.html",
    "sample_notice": "sample-notice.html",
}


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

    def render(template_name, **context):
        """A partial rendered with the page's variables (autoescaped: see the plugin)."""
        template = env.env.get_template(template_name)
        return Markup(template.render(**env.variables, **context))

    for name, template_name in PARTIALS.items():
        env.macro(bind(render, template_name), name)

    @env.macro
    def count(kind):
        """'12 webinars', counted from this cohort's schedule."""
        return count_of(plugin.cohort, kind)

    @env.macro
    def price():
        """'£5,000 per person'."""
        return f"{money(plugin.cohort.pricing.price)} per {plugin.cohort.pricing.price.per}"

    @env.macro
    def principle_list(detail=True):
        """The principles; `detail=False` leaves out each explanation."""
        return render("principles.html", detail=detail)

    @env.macro
    def members_call_to_action():
        """The call to sign in or join, closing a member-only piece's public preview."""
        return render("members-call-to-action.html", page_url=env.page.url if env.page else "")
