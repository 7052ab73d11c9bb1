import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from moderation import audit
from outbox import bus
from recognition import badges, permissions
from recognition.events import BadgeAwarded
from recognition.models import Award

CITATION_MAX = 500


def give_badge(actor, *, member: User, badge: str, citation: str) -> Award:
    """Staff give `member` a manual badge (the thank-you badge) with a written citation, audited.

    A manual badge may be given to the same member many times, so each award
    gets a fresh key; the award, its audit entry and its `BadgeAwarded` event
    commit together.
    """
    if not permissions.can_give_badge(actor):
        raise PermissionDenied("Only staff can give badges.")
    chosen = badges.get(badge)
    if chosen is None or not chosen.manual:
        raise ValidationError({"badge": "Only the team's own badges can be given by hand; the others are earned."})
    citation = (citation or "").strip()
    if not citation:
        raise ValidationError({"citation": "Say what the badge is for: the member and everyone else will read it."})
    if len(citation) > CITATION_MAX:
        raise ValidationError(
            {"citation": f"Keep the citation to {CITATION_MAX} characters (it has {len(citation)})."}
        )
    if member.pk == actor.pk:
        raise ValidationError({"member": "You can't give a badge to yourself."})
    if not member.is_active:
        raise ValidationError({"member": f"@{member.username} is banned, so they can't be given a badge."})
    with transaction.atomic():
        award = Award.objects.create(
            badge=chosen.slug,
            member=member,
            key=f"{chosen.slug}:{member.pk}:{uuid.uuid4().hex}",
            awarded_by=actor,
            citation=citation,
        )
        audit.badge_given(actor, member, badge=chosen.name, citation=citation)
        bus.publish(BadgeAwarded(award_id=award.pk, member_id=member.pk, badge=chosen.slug, awarded_by_id=actor.pk))
    return award
