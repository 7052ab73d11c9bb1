from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from community.forms import add_errors
from recognition import people, permissions
from recognition.services import super_users as services
from recognition.super_user_forms import NominateForm, RemoveForm


def _page(request, *, form=None, status=200):
    deciding = permissions.can_decide_super_users(request.user)
    context = {
        "rows": people.super_users(),
        "threshold": settings.RECOGNITION_SUPER_USER_REPUTATION,
        "note_max_length": services.NOTE_MAX_LENGTH,
        "deciding": deciding,
        "form": (form or NominateForm()) if deciding else None,
    }
    return render(request, "recognition/super_users.html", context, status=status)


def super_users(request):
    return _page(request)


def _refuse_unless_deciding(request):
    if not permissions.can_decide_super_users(request.user):
        raise PermissionDenied("Only staff decide who is a super user.")


@require_POST
def nominate(request):
    _refuse_unless_deciding(request)
    form = NominateForm(request.POST)
    if form.is_valid():
        member = form.cleaned_data["username"]
        try:
            services.nominate_super_user(request.user, member=member, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"@{member.username} is now a super user.")
            return redirect("recognition:super_users")
    return _page(request, form=form, status=400)


@require_POST
def remove(request, username):
    _refuse_unless_deciding(request)
    member = get_object_or_404(User, username__iexact=username)
    form = RemoveForm(request.POST)
    if form.is_valid():
        services.remove_super_user(request.user, member=member, note=form.cleaned_data["note"])
        messages.success(request, f"@{member.username} is no longer a super user.")
        return redirect("recognition:super_users")
    messages.error(request, f"@{member.username} is still a super user: {' '.join(form.errors['note'])}")
    return _page(request, status=400)
