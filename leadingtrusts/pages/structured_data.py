"""JSON-LD (schema.org) for a page: what search engines read of the programme and the thinkpieces.

Plain data only: `StructuredData(context, authors).of(page)` gives a dict (or
None) and `script_json` turns it into text for the theme's
<script type="application/ld+json">.

- The home page and the programme pages describe the programme as an
  EducationalOccupationalProgram rather than a Course: it has the fields the
  programme needs (length, start and end, application deadline,
  prerequisites, an offer with a price), where a Course has no deadline or
  length of its own. Each session of the cohort is an EducationEvent in the
  same graph, organised by the programme.
- A thinkpiece is an Article. A member-only one says `isAccessibleForFree:
  false` and marks the part of the page that stands for the member-only text
  (the call to sign in) in Google's pattern for paywalled content; the text
  itself is never here.
- Pages in the members' area get none: their titles and summaries are
  member-only, and the members' site is not indexed.

Every text is the editor's raw text: JSON strings are not HTML.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..documents.share_images import HEIGHT, WIDTH, card_path
from ..site.loading import KIND_LABELS
from ..site.schema import LONDON, Session


if TYPE_CHECKING:
    from ..pipeline.context import StagedContext
    from ..pipeline.stage import Page

SCHEMA_ORG = "https://schema.org"
# The pages that present the programme: the home page and every page under programme/.
PROGRAMME_PAGES = ("index.md", "programme/")
# Where a member-only piece's public page stands in for the rest of the text: the
# call to sign in (overrides/partials/content/members_call_to_action.html).
MEMBERS_PART_SELECTOR = ".lt-members-cta"
ONLINE = f"{SCHEMA_ORG}/OnlineEventAttendanceMode"
IN_PERSON = f"{SCHEMA_ORG}/OfflineEventAttendanceMode"


def script_json(data: dict[str, Any]) -> str:
    """`data` as JSON that can stand inside <script>: `<`, `>` and `&` written as
    \\u escapes, so no text (a title with `</script>` in it) can end the script,
    while a JSON parser reads back exactly the editor's text."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class StructuredData:
    """The JSON-LD of the pages of one build."""

    def __init__(self, context: StagedContext, authors: dict[str, str]):
        self.context = context
        self.authors = authors  # id -> name, from the blog's authors file
        self.root = context.public_root
        self.programme = context.site.programme

    def of(self, page: Page) -> dict[str, Any] | None:
        """The page's JSON-LD, or None for a page that describes neither."""
        if page.in_members_area:
            return None
        if page.is_post:
            return self.article(page)
        if page.docs_path == PROGRAMME_PAGES[0] or page.docs_path.startswith(PROGRAMME_PAGES[1]):
            return self.programme_graph
        return None

    @property
    def organisation(self) -> dict[str, Any]:
        return {"@type": "Organization", "@id": f"{self.root}#organisation",
                "name": self.programme.name, "url": self.context.settings.site_url,
                "email": self.context.settings.contact_email}

    @cached_property
    def programme_graph(self) -> dict[str, Any]:
        """The programme, its provider and its sessions (the same on every programme page)."""
        cohort = self.context.cohort
        organiser = {"@id": f"{self.root}#organisation"}
        application = cohort.info.application
        programme = {
            "@type": "EducationalOccupationalProgram",
            "@id": f"{self.root}#programme-{cohort.id}",  # one entity per cohort
            "name": self.programme.name,
            "description": self.programme.tagline,
            "url": self.root,
            "provider": organiser,
            "timeToComplete": f"P{cohort.months}M",  # the calendar months of its dates
            "startDate": cohort.info.runs.starts.isoformat(),
            "endDate": cohort.info.runs.ends.isoformat(),
            "applicationDeadline": cohort.deadline.isoformat(),
            "programPrerequisites": list(cohort.eligibility.criteria),
            "offers": {"@type": "Offer", "price": cohort.pricing.price.amount,
                       "priceCurrency": cohort.pricing.price.currency,
                       "validThrough": cohort.deadline.isoformat(), "url": self.root},
        }
        if application.opens:
            programme["applicationStartDate"] = application.opens.isoformat()
        events = [self.event(session, organiser) for session in cohort.sessions]
        return {"@context": SCHEMA_ORG, "@graph": [self.organisation, programme, *events]}

    def event(self, session: Session, organiser: dict[str, str]) -> dict[str, Any]:
        """One session as an event: when, and where or online."""
        label = KIND_LABELS[session.kind][0]
        event: dict[str, Any] = {
            "@type": "EducationEvent",
            "name": session.title,
            "description": label[0].upper() + label[1:],
            "startDate": moment(session.date, session.start),
            "endDate": moment(session.date, session.end or session.start),
            "eventAttendanceMode": ONLINE if session.online else IN_PERSON,
            "location": ({"@type": "VirtualLocation", "name": "Online"} if session.online
                         else {"@type": "Place", "name": session.place}),
            "organizer": organiser,
        }
        if session.host:
            event["performer"] = {"@type": "Person", "name": session.host}
            if session.trust:
                event["performer"]["affiliation"] = {"@type": "Organization",
                                                     "name": session.trust}
        return event

    def article(self, page: Page) -> dict[str, Any]:
        """A thinkpiece: who wrote it, when, and whether it is free to read."""
        meta = page.source.meta
        url = self.root + page.url
        article: dict[str, Any] = {
            "@context": SCHEMA_ORG,
            "@type": "Article",
            "headline": meta.title,
            "description": meta.summary,
            "url": url,
            "mainEntityOfPage": url,
            "author": [{"@type": "Person", "name": self.authors.get(a, a)} for a in meta.authors],
            "datePublished": meta.date.isoformat(),
            "dateModified": meta.date.isoformat(),  # the front matter has one date
            "image": {"@type": "ImageObject", "url": self.root + card_path(page.url),
                      "width": WIDTH, "height": HEIGHT},
            "publisher": self.organisation,
            "inLanguage": "en-GB",
            "isAccessibleForFree": not page.source.members_only,
        }
        if meta.categories:
            article["articleSection"] = list(meta.categories)
        if meta.tags:
            article["keywords"] = list(meta.tags)
        if page.source.members_only:
            article["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": False,
                                  "cssSelector": MEMBERS_PART_SELECTOR}
        return article


def moment(day: dt.date, time: dt.time | None) -> str:
    """ISO 8601: the date and time with London's offset that day, or the date alone."""
    if time is None:
        return day.isoformat()
    return dt.datetime.combine(day, time, tzinfo=LONDON).isoformat()
