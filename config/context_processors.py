import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse

# The fixed addresses every page's header, menu and footer link to. Reversing
# them costs more than the rest of a member's header together, so each process
# does it once (per script prefix, which is all they depend on).
SITE_URL_NAMES = (
    "account_login",
    "account_logout",
    "account_signup",
    "accounts:settings",
    "admin:index",
    "community:mentions",
    "community:preview",
    "community:start_thread",
    "community:unanswered",
    "community:upload_attachment",
    "home",
    "moderation:audit",
    "moderation:conversations",
    "moderation:inbox",
    "moderation:moderators",
    "moderation:my_flags",
    "moderation:queue",
    "recognition:leaderboard",
    "recognition:super_users",
    "recognition:team",
    "search",
)


@functools.cache
def _site_urls(script_prefix: str) -> dict[str, str]:
    urls = {name.split(":")[-1]: reverse(name) for name in SITE_URL_NAMES}
    urls["faq"] = reverse("faq:home")  # its own name, "home", is the community's
    return urls


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SOCIAL_PROVIDERS_ENABLED": bool(settings.SOCIAL_PROVIDERS),
        "site_urls": _site_urls(get_script_prefix()),
    }
