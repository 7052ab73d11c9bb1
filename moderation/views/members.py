"""The member moderation page: what a member did, their sanctions and notes, and the tools to act.

Moderators only: anonymous visitors are sent to sign in, everyone else is
refused with 403. Every action is one POST that calls one service, then
comes back to the page (or, for a note sent with htmx, to its list).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from community.forms import add_errors
from community.models import Post, Thread
from community.permissions import posting_refusal, visible_threads
from moderation import permissions
from moderation.member_forms import NoteForm, ReasonForm, SanctionForm
from moderation.models import MemberNote, Sanction
from moderation.services import sanctions, spam, trust

KINDS = (Sanction.Kind.WARNING, Sanction.Kind.SUSPENSION, Sanction.Kind.BAN)
THRESHOLD_LABELS = {
    "days_active": "Days with posts",
    "posts": "Posts",
    "accepted_answers": "Accepted answers",
    "reputation": "Reputation",
    "helpful_received": "Helpful votes received",
    "flags_upheld": "Flags upheld",
}
RECENT_POSTS = 10
NOTES_SHOWN = 50


def _member_for(request, username: str) -> User:
    """The member, for a moderator; anyone else is refused before the lookup."""
    if not permissions.can_view_member_notes(request.user):
        raise PermissionDenied("Only moderators can see this page.")
    return get_object_or_404(User, username__iexact=username)


def _next_level(member: User, activity: trust.Activity) -> dict | None:
    level = member.trust_level + 1
    needs = settings.TRUST_LEVEL_THRESHOLDS.get(level)
    if not needs:
        return None
    values = activity.as_dict()
    return {
        "level": level,
        "label": User.TrustLevel(level).label,
        "rows": [
            {"label": THRESHOLD_LABELS.get(name, name), "have": values.get(name, 0), "need": need}
            for name, need in needs.items()
        ],
    }


def _page(request, member: User, *, forms=None, status=200):
    """The whole page, with any bound forms that came back with errors: a fixed number of queries."""
    actor = request.user
    forms = forms or {}
    activity = trust.member_activity(member)
    threads = visible_threads(actor, Thread.objects.all()).values("pk")
    purge = spam.last_purge(member)
    member_sanctions = list(
        Sanction.objects.filter(member=member).select_related("created_by", "lifted_by").prefetch_related("appeals")
    )
    context = {
        "member": member,
        "is_suspended": bool(posting_refusal(member)),
        "activity": activity,
        "cap": trust.sanction_cap(member),
        "next_level": _next_level(member, activity),
        "sanctions": member_sanctions,
        "liftable": permissions.liftable_sanctions(actor, member, member_sanctions),
        "notes": list(MemberNote.objects.filter(member=member).select_related("author")[:NOTES_SHOWN]),
        "recent_posts": list(
            Post.objects.filter(author=member, thread__in=threads)
            .select_related("thread")
            .order_by("-created_at")[:RECENT_POSTS]
        ),
        "purge": purge,
        "sanction_refusal": permissions.sanction_refusal(actor, member),
        "can_warn": permissions.can_warn(actor, member),
        "can_suspend": permissions.can_suspend(actor, member),
        "ban_refusal": permissions.ban_refusal(actor, member),
        "can_ban": permissions.can_ban(actor, member),
        "can_purge": permissions.can_purge_spammer(actor, member),
        "can_unpurge": bool(purge) and permissions.can_unpurge(actor, member, spam.purge_ban(purge)),
        # Appeals are answered by staff; other moderators can't open the conversations.
        "can_read_appeals": permissions.can_handle_conversations(actor),
        "note_form": forms.get("note") or NoteForm(),
        "purge_form": forms.get("purge") or ReasonForm(prefix="purge", initial={"reason": "Spam account."}),
        "unpurge_form": forms.get("unpurge") or ReasonForm(prefix="unpurge"),
        "open_form": next((kind for kind in KINDS if kind in forms), ""),
    }
    for kind in KINDS:
        context[f"{kind}_form"] = forms.get(kind) or SanctionForm(kind=kind)
    return render(request, "moderation/member.html", context, status=status)


@login_required
def member(request, username):
    return _page(request, _member_for(request, username))


@login_required
@require_POST
def sanction(request, username):
    member = _member_for(request, username)
    kind = request.POST.get("kind")
    if kind not in KINDS:
        messages.error(request, "Choose whether to warn, suspend or ban.")
        return redirect("moderation:member", username=member.username)
    form = SanctionForm(request.POST, kind=kind)
    if form.is_valid():
        reason, until = form.cleaned_data["reason_text"], form.cleaned_data.get("until")
        try:
            if kind == Sanction.Kind.WARNING:
                sanctions.warn(request.user, member=member, reason=reason)
                done = f"@{member.username} was warned and told why."
            elif kind == Sanction.Kind.SUSPENSION:
                sanctions.suspend(request.user, member=member, until=until, reason=reason)
                done = f"@{member.username} is suspended and was told why."
            else:
                sanctions.ban(request.user, member=member, until=until, reason=reason)
                done = f"@{member.username} is banned and was emailed the reason."
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("moderation:member", username=member.username)
    return _page(request, member, forms={kind: form}, status=400)


@login_required
@require_POST
def add_note(request, username):
    member = _member_for(request, username)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            sanctions.add_note(request.user, member=member, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, "Your note is saved.")
                return redirect(f"{member_url(member)}#notes")
            form = NoteForm()
    if request.htmx:
        notes = MemberNote.objects.filter(member=member).select_related("author")[:NOTES_SHOWN]
        return render(
            request,
            "moderation/partials/member_notes.html",
            {"member": member, "notes": notes, "note_form": form},
            status=400 if form.errors else 200,
        )
    return _page(request, member, forms={"note": form}, status=400)


def member_url(member: User) -> str:
    return reverse("moderation:member", kwargs={"username": member.username})


def _spam_action(request, username, *, prefix, action, done):
    member = _member_for(request, username)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            entry = action(request.user, member=member, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            count = len(entry.after.get("post_ids", []))
            messages.success(request, done.format(count=count, s="" if count == 1 else "s", name=member.username))
            return redirect("moderation:member", username=member.username)
    return _page(request, member, forms={prefix: form}, status=400)


@login_required
@require_POST
def purge(request, username):
    return _spam_action(
        request,
        username,
        prefix="purge",
        action=spam.purge_spammer,
        done="Removed {count} post{s} by @{name} and banned the account.",
    )


@login_required
@require_POST
def unpurge(request, username):
    return _spam_action(
        request,
        username,
        prefix="unpurge",
        action=spam.unpurge_spammer,
        done="Restored {count} post{s} by @{name} and lifted the ban.",
    )


@login_required
@require_POST
def lift(request, pk):
    if not permissions.can_view_member_notes(request.user):
        raise PermissionDenied("Only moderators can lift sanctions.")
    sanction = get_object_or_404(Sanction.objects.select_related("member"), pk=pk)
    form = ReasonForm(request.POST, prefix=f"lift-{sanction.pk}")
    if form.is_valid():
        try:
            sanctions.lift(request.user, sanction=sanction, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The {sanction.get_kind_display().lower()} is lifted and the member was told.")
    else:
        messages.error(request, "Give a reason for lifting it: the member is told it.")
    return redirect(f"{member_url(sanction.member)}#sanctions")
