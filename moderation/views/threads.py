"""The thread tools page: one small form per moderator action on a thread."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from community import permissions as community_permissions
from community.forms import add_errors
from community.models import Thread
from moderation import permissions
from moderation.models import AuditEntry
from moderation.services import threads as services
from moderation.thread_forms import (
    DuplicateForm,
    MergeForm,
    MoveForm,
    RenameForm,
    SplitForm,
    ThreadActionForm,
)

HISTORY_LENGTH = 10


@dataclass(frozen=True)
class ThreadAction:
    form: type[ThreadActionForm]
    run: Callable  # (actor, thread, cleaned_data) -> the thread to show next
    done: str
    # Where to go afterwards: the tools page, or the thread the posts ended up in.
    to_thread: bool = False
    # The field naming the other category or thread, which the moderator must moderate too.
    other: str | None = None


def _reason(data) -> str:
    return data.get("reason", "").strip()


ACTIONS = {
    "lock": ThreadAction(
        ThreadActionForm, lambda u, t, d: services.lock_thread(u, thread=t, reason=_reason(d)), "Thread locked."
    ),
    "unlock": ThreadAction(
        ThreadActionForm, lambda u, t, d: services.unlock_thread(u, thread=t, reason=_reason(d)), "Thread unlocked."
    ),
    "close": ThreadAction(
        ThreadActionForm, lambda u, t, d: services.close_thread(u, thread=t, reason=_reason(d)), "Thread closed."
    ),
    "reopen": ThreadAction(
        ThreadActionForm, lambda u, t, d: services.reopen_thread(u, thread=t, reason=_reason(d)), "Thread reopened."
    ),
    "pin": ThreadAction(
        ThreadActionForm, lambda u, t, d: services.pin_thread(u, thread=t, reason=_reason(d)), "Thread pinned."
    ),
    "unpin": ThreadAction(
        ThreadActionForm, lambda u, t, d: services.unpin_thread(u, thread=t, reason=_reason(d)), "Thread unpinned."
    ),
    "move": ThreadAction(
        MoveForm,
        lambda u, t, d: services.move_thread(u, thread=t, category=d["category"], reason=_reason(d)),
        "Thread moved.",
        other="category",
    ),
    "rename": ThreadAction(
        RenameForm,
        lambda u, t, d: services.rename_thread(u, thread=t, title=d["title"], reason=_reason(d)),
        "Thread renamed.",
    ),
    "merge": ThreadAction(
        MergeForm,
        lambda u, t, d: services.merge_threads(u, thread=t, into=d["into"], reason=_reason(d)),
        "Threads merged. This is the thread they became.",
        to_thread=True,
        other="into",
    ),
    "split": ThreadAction(
        SplitForm,
        lambda u, t, d: services.split_thread(
            u, post=d["post"], title=d["title"], category=d["category"], reason=_reason(d)
        ),
        "Thread split. This is the new thread.",
        to_thread=True,
        other="category",
    ),
    "duplicate": ThreadAction(
        DuplicateForm,
        lambda u, t, d: services.mark_duplicate(u, thread=t, original=d["original"], reason=_reason(d)),
        "Marked as a duplicate and closed.",
    ),
    "unduplicate": ThreadAction(
        ThreadActionForm,
        lambda u, t, d: services.unmark_duplicate(u, thread=t, reason=_reason(d)),
        "No longer marked as a duplicate.",
    ),
}
# The actions with fields of their own each get a card; the rest are buttons.
FORM_ACTIONS = ("move", "rename", "merge", "split", "duplicate")


def _thread_for(request, pk) -> Thread:
    """The thread, if the user moderates its category: 404 if they can't see it, 403 if they just can't act."""
    thread = (
        Thread.objects.select_related("category__parent", "author", "merged_into", "duplicate_of")
        .filter(pk=pk)
        .first()
    )
    if thread is None:
        raise Http404("No such thread")
    if not permissions.can_review(request.user, thread.category):
        if community_permissions.can_view_thread(request.user, thread):
            raise PermissionDenied("Only moderators of this thread's category can use its moderation tools.")
        raise Http404("No such thread")
    return thread


def _back(request, thread: Thread) -> str:
    """Where to go after a button press: `next` if it is one of ours (the thread page posts it), else the tools."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    # The form posted to #tool-<name>, so a failed form opens in view; "#top" shows the message instead.
    return reverse("moderation:thread_tools", kwargs={"pk": thread.pk}) + "#top"


def _page(request, thread: Thread, *, bound: tuple[str, ThreadActionForm] | None = None, status: int = 200):
    forms = {name: ACTIONS[name].form(thread=thread, user=request.user, prefix=name) for name in FORM_ACTIONS}
    state_form = ThreadActionForm(thread=thread, user=request.user, prefix="state")
    state_errors = None
    if bound:
        name, form = bound
        if name in forms:
            forms[name] = form
        else:
            state_errors = form
    history = None
    if permissions.can_view_audit_log(request.user):
        history = list(
            AuditEntry.objects.filter(target_type="thread", target_id=thread.pk).select_related("actor")[
                :HISTORY_LENGTH
            ]
        )
    context = {
        "thread": thread,
        "forms": forms,
        "state_form": state_form,
        "state_errors": state_errors,
        "history": history,
    }
    return render(request, "moderation/thread_tools.html", context, status=status)


@login_required
@require_safe
def tools(request, pk):
    return _page(request, _thread_for(request, pk))


@login_required
@require_POST
def act(request, pk):
    thread = _thread_for(request, pk)
    name = request.POST.get("action", "")
    action = ACTIONS.get(name)
    if action is None:
        messages.error(request, "Choose one of the actions on this page.")
        return _page(request, thread, status=400)
    # The buttons of the status card share one reason field.
    prefix = name if name in FORM_ACTIONS else "state"
    form = action.form(request.POST, thread=thread, user=request.user, prefix=prefix)
    if form.is_valid():
        try:
            result = action.run(request.user, thread, form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied as denied:
            # This thread is theirs (checked above); the other category or thread isn't.
            if action.other is None:
                raise
            form.add_error(action.other, str(denied))
        else:
            messages.success(request, action.done)
            return redirect(result) if action.to_thread else redirect(_back(request, thread))
    if name not in FORM_ACTIONS and not form.has_error("reason"):
        # A refused button press (unlocking an open thread) is news, not a form to fix.
        messages.error(request, " ".join(form.non_field_errors()))
        return redirect(_back(request, thread))
    return _page(request, thread, bound=(name, form), status=400)
