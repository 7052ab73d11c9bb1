from django.views.decorators.http import require_safe

from recognition import people
from recognition.views.shared import render_people


@require_safe
def team(request):
    """Meet the team: the staff members customers talk to, each with a card to link to.

    Keyed by what it shows of them, so a new role, photo or bio shows on the next request.
    """
    return render_people(
        request,
        "recognition/team.html",
        key=f"team:{people.team_version()}",
        shared=lambda: {"members": people.team_members()},
        per_minute=False,
    )
