"""How the pages about people are cached: badges, their holders and the team, shared for a minute.

Badges are earned by votes and accepts all over the site, so no version could
key these pages without being bumped by nearly every write (the leaderboards'
reasoning). A copy at most a minute old is shared by every visitor and by every
member; a member's own controls are personal regions, read fresh. The key also
holds the list version, which community's caching bumps when a member's name,
picture, rank or marker changes, so those show at once.
"""

import time

from community import caching
from community.views.common import shares_member_page

PEOPLE_SECONDS = 60
clock = time.time


def time_slot(request=None, *args, **kwargs) -> str:
    return f"{int(clock()) // PEOPLE_SECONDS}:{caching.list_version()}"


def visitors_share(view):
    """Whole pages for signed-out visitors, a minute at a time."""
    return caching.anonymous_page(time_slot, seconds=PEOPLE_SECONDS)(view)


def render_people(request, template_name: str, *, key: str, shared, personal: dict | None = None):
    """One rendering a minute for visitors and members; moderators get theirs built but not stored, like lists."""
    shares = not request.user.is_authenticated or shares_member_page(request)
    page_key = f"recognition:{key}:{time_slot()}" if shares else None
    return caching.render_shared(
        request, template_name, shared=shared, personal=personal or {}, key=page_key, seconds=PEOPLE_SECONDS
    )
