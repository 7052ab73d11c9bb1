"""The badges members earn, and the rule each one states on its page.

Automatic badges are decided by recognition.criteria and awarded by
recognition.awarding after the events that may earn one, and by a nightly
sweep that catches anything missed; awarding is idempotent
(recognition.models.Award.key). Manual badges are given by staff
(recognition.services.badges.give_badge).
"""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Badge:
    slug: str
    name: str
    tier: str  # "bronze", "silver" or "gold"
    rule: str  # what earns it, as its page states it
    per_category: bool = False  # held once per category rather than once
    manual: bool = False  # given by staff with a citation, any number of times

    def get_absolute_url(self) -> str:
        return reverse("recognition:badge", kwargs={"slug": self.slug})


TIERS = ("bronze", "silver", "gold")

CATALOGUE = (
    Badge("first-answer", "First answer", "bronze", "Answered someone's question for the first time."),
    Badge("first-accepted", "Problem solver", "bronze", "Wrote an answer that the asker accepted."),
    Badge("first-question", "Curious", "bronze", "Asked a first question that others found worth answering."),
    Badge("helpful-10", "Helpful", "bronze", "Received 10 helpful votes."),
    Badge("helpful-50", "Very helpful", "silver", "Received 50 helpful votes."),
    Badge("helpful-250", "Pillar of the community", "gold", "Received 250 helpful votes."),
    Badge("accepted-10", "Go-to person", "silver", "Wrote 10 accepted answers."),
    Badge(
        "category-expert",
        "Category expert",
        "gold",
        "Wrote 25 accepted answers in one category.",
        per_category=True,
    ),
    Badge("faq-promoted", "In the FAQ", "silver", "Wrote an answer that the team promoted into the FAQ."),
    Badge("good-flagger", "Good flagger", "silver", "Raised 10 flags that moderators upheld."),
    Badge("welcomer", "Welcomer", "bronze", "Answered a new member's first question."),
    Badge("regular-helper", "Regular helper", "silver", "Helped others on 7 different days."),
    Badge("idea-shipped", "Visionary", "silver", "Suggested an idea that the team shipped."),
    Badge("idea-supporter", "Supporter", "bronze", "Voted for 10 ideas."),
    Badge("one-year", "One-year member", "bronze", "Has been a member for a year."),
    Badge("team-verified", "Team verified", "silver", "Wrote an answer that the team verified as correct."),
    Badge(
        "thank-you", "Thank you", "gold", "Given by the team, with a citation, for help that stood out.", manual=True
    ),
)

BY_SLUG = {badge.slug: badge for badge in CATALOGUE}


def get(slug: str) -> Badge | None:
    return BY_SLUG.get(slug)


def by_tier() -> list[tuple[str, list[Badge]]]:
    """Gold first: the page leads with what is hardest to earn."""
    return [(tier, [badge for badge in CATALOGUE if badge.tier == tier]) for tier in reversed(TIERS)]
