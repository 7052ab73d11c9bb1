from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from notifications import digests, emails, escalation, permissions, selectors, services
from notifications.forms import LEVEL_CHOICES, OwnerForm, PreferencesForm, WatchForm
from notifications.models import Kind


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_safe
def notification_list(request):
    page = Paginator(selectors.line_groups(request.user), settings.NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page_obj": page, "lines": selectors.lines(page.object_list)},
    )


@login_required
@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(selectors.own_notifications(request.user), pk=pk)
    services.mark_read(request.user, notification=notification)
    return _back(request, "notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    services.mark_all_read(request.user)
    messages.success(request, "All your notifications are marked read.")
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    current = services.choices_for_member(request.user)
    # An empty POST is a choice too: every box unticked.
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, current=current, digest=digests.frequency_of(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.set_preferences(request.user, choices=form.choices(), digest=form.cleaned_data["digest"] or None)
        messages.success(request, "Your notification settings are saved.")
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "levels": LEVEL_CHOICES,
            "muted": selectors.muted_members(request.user),
            **selectors.watched(request.user),
        },
    )


@login_required
@require_POST
def watch(request):
    form = WatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("notifications:preferences")
    data = form.cleaned_data
    try:
        services.set_watch_level(request.user, level=data["level"], thread=data["thread"], category=data["category"])
    except PermissionDenied:
        # A thread the member can't see is one that doesn't exist for them.
        raise Http404("No such thread") from None
    messages.success(request, "Saved.")
    return _back(request, "notifications:preferences")


@login_required
@require_POST
def mute(request, username):
    member = get_object_or_404(User, username=username, is_active=True)
    try:
        services.mute_member(request.user, member=member)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"You won't hear about what @{member.username} does.")
    return _back(request, member.get_absolute_url())


@login_required
@require_POST
def unmute(request, username):
    member = get_object_or_404(User, username=username)
    services.unmute_member(request.user, member=member)
    messages.success(request, f"You'll hear about what @{member.username} does again.")
    return _back(request, member.get_absolute_url())


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt  # the signed token is the credential: mail programs post here without a session (RFC 8058)
def unsubscribe(request, token):
    """One click from an email stops that kind of email; a plain visit asks first, as link scanners visit too."""
    signed = emails.read_unsubscribe_token(token)
    if signed is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    kind_label = Kind(signed[1]).label
    if request.method == "POST":
        services.unsubscribe(token)
        return render(request, "notifications/unsubscribe.html", {"done": True, "kind_label": kind_label})
    return render(request, "notifications/unsubscribe.html", {"kind_label": kind_label})


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt  # the signed token is the credential: mail programs post here without a session (RFC 8058)
def digest_unsubscribe(request, token):
    """One click from a digest stops the digests; a plain visit asks first, as link scanners visit too."""
    if digests.read_unsubscribe_token(token) is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    context = {"kind_label": "Daily and weekly summaries", "digest": True}
    if request.method == "POST":
        digests.unsubscribe(token)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)


def _worklist(request, *, page_number, failed=None, form=None, status=200):
    page = Paginator(escalation.unanswered_for_staff(request.user), settings.ESCALATION_UNANSWERED_PER_PAGE).get_page(
        page_number
    )
    return render(
        request,
        "notifications/unanswered.html",
        {
            "page_obj": page,
            "rows": escalation.waiting_rows(page.object_list, now=timezone.now()),
            "figures": escalation.figures(),
            "staff_members": list(escalation.staff_members()),
            "failed": failed,
            "owner_form": form,
        },
        status=status,
    )


@login_required
@require_safe
def unanswered(request):
    if not permissions.can_see_unanswered(request.user):
        raise PermissionDenied("Only staff can see the unanswered questions.")
    return _worklist(request, page_number=request.GET.get("page"))


@login_required
@require_POST
def assign_owner(request, pk):
    if not permissions.can_assign_owner(request.user):
        raise PermissionDenied("Only staff can give questions to an owner.")
    thread = get_object_or_404(escalation.unanswered_for_staff(request.user), pk=pk)
    form = OwnerForm(request.POST)
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        try:
            escalation.assign_owner(request.user, thread=thread, owner=owner)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"“{thread.title}” is now {owner.name}'s.")
            return _back(request, "notifications:unanswered")
    return _worklist(request, page_number=request.POST.get("page"), failed=thread.pk, form=form, status=400)
