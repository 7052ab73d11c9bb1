from django.views.decorators.http import require_safe

from recognition import people
from recognition.views.shared import render_people, visitors_share


@require_safe
@visitors_share
def team(request):
    """Meet the team: the staff members customers talk to, each with a card to link to."""
    return render_people(
        request, "recognition/team.html", key="team", shared=lambda: {"members": people.team_members()}
    )
