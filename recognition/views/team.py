from django.shortcuts import render

from recognition import people


def team(request):
    """Meet the team: the staff members customers talk to, each with a card to link to."""
    return render(request, "recognition/team.html", {"members": people.team_members()})
