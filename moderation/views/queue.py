"""Flags (any member) and the review queue (moderators)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from community.forms import add_errors
from community.models import Post
from community.permissions import can_view_post, can_view_thread
from moderation import permissions, selectors
from moderation.forms import BulkActionForm, FlagForm, QueueFilterForm, ReviewActionForm
from moderation.models import Flag, ReviewItem
from moderation.screening import RateLimited
from moderation.services import flags
from moderation.services import queue as decisions


def _require_queue(request) -> None:
    if not permissions.can_view_queue(request.user):
        raise PermissionDenied("The review queue is for moderators.")


def _claim_cutoff():
    """Claims made after this moment are still running."""
    return timezone.now() - timedelta(seconds=settings.MODERATION_CLAIM_SECONDS)


def _back(request, fallback: str) -> str:
    """Where to go after an action: the page it came from, when that is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _item_context(request) -> dict:
    return {
        "claim_cutoff": _claim_cutoff(),
        "action_form": ReviewActionForm(),
        "back": request.get_full_path(),
    }


def _get_item(request, pk) -> ReviewItem:
    """An item the moderator sees, any status; others' items are hidden (404)."""
    return _with_offers(request.user, [get_object_or_404(selectors.review_items(request.user), pk=pk)])[0]


def _with_offers(user, items) -> list[ReviewItem]:
    """The items, each knowing whether `user` may warn or suspend its post's author for it."""
    items = list(items)
    for review_item in items:
        author, post = review_item.post.author, review_item.post
        review_item.can_sanction_author = permissions.can_warn(user, author, post=post) or permissions.can_suspend(
            user, author, post=post
        )
    return items


def _render_item(request, pk, *, notice: str):
    """One item again, for htmx to swap in place of the one acted on."""
    context = {
        **_item_context(request),
        "item": _get_item(request, pk),
        "notice": notice,
        "back": _back(request, reverse("moderation:queue")),
    }
    return render(request, "moderation/partials/queue_item.html", context)


# The queue ---------------------------------------------------------------------


@login_required
def queue(request):
    _require_queue(request)
    categories = selectors.reviewable_categories(request.user)
    form = QueueFilterForm(request.GET or None, categories=categories)
    chosen = form.cleaned_data if form.is_valid() else {}
    items = selectors.queue_items(request.user, category=chosen.get("category"), reason=chosen.get("reason", ""))
    page = Paginator(items, selectors.ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        **_item_context(request),
        "filter_form": form,
        "page_obj": page,
        "items": _with_offers(request.user, page.object_list),
        "querystring": params.urlencode(),
        "bulk_form": BulkActionForm(),
    }
    if request.htmx and request.htmx.target == "queue-list":
        return render(request, "moderation/partials/queue_list.html", context)
    return render(request, "moderation/queue.html", context)


@login_required
def item(request, pk):
    _require_queue(request)
    review_item = _get_item(request, pk)
    return render(request, "moderation/item.html", {**_item_context(request), "item": review_item})


def _decided(request, pk, run, success: str):
    """Run a decision and answer: the item again (htmx) or a message and the page before."""
    _require_queue(request)
    if not permissions.visible_items(request.user, ReviewItem.objects.filter(pk=pk)).exists():
        raise Http404
    fallback = reverse("moderation:queue")
    try:
        run()
    except ValidationError as error:
        text = " ".join(error.messages)
        if request.htmx:
            return HttpResponse(text, status=409, content_type="text/plain; charset=utf-8")
        messages.error(request, text)
        return redirect(_back(request, fallback))
    if request.htmx:
        return _render_item(request, pk, notice=success)
    messages.success(request, success)
    return redirect(_back(request, fallback))


@login_required
@require_POST
def claim(request, pk):
    if request.POST.get("release"):
        return _decided(
            request,
            pk,
            lambda: decisions.release_item(request.user, item=pk),
            "You released the item; any moderator can take it.",
        )
    minutes = max(1, settings.MODERATION_CLAIM_SECONDS // 60)
    return _decided(
        request,
        pk,
        lambda: decisions.claim_item(request.user, item=pk),
        f"You claimed the item. Other moderators can't act on it for {minutes} minutes.",
    )


BULK_DONE = {"approve": "Approved", "dismiss": "Dismissed the flags on", "hide": "Hid", "delete": "Removed"}
SUCCESS = {
    "approve": "Approved: the post is published.",
    "dismiss": "Flags dismissed.",
    "hide": "The post is hidden, and its author was told why.",
    "delete": "The post is removed, and its author was told why.",
}


@login_required
@require_POST
def act(request, pk):
    _require_queue(request)
    form = ReviewActionForm(request.POST)
    if not form.is_valid():
        text = "Choose an action, and keep the note under 1,000 characters."
        if request.htmx:
            return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, text)
        return redirect(_back(request, reverse("moderation:item", kwargs={"pk": pk})))
    action = form.cleaned_data["action"]
    return _decided(
        request,
        pk,
        lambda: decisions.decide_item(request.user, item=pk, action=action, reason=form.reason),
        SUCCESS[action],
    )


@login_required
@require_POST
def bulk(request):
    _require_queue(request)
    form = BulkActionForm(request.POST)
    fallback = reverse("moderation:queue")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back(request, fallback))
    data = form.cleaned_data
    outcome = decisions.decide_items(request.user, item_ids=data["items"], action=data["action"], reason=form.reason)
    done = len(outcome.done)
    if done:
        messages.success(request, f"{BULK_DONE[data['action']]} {done} item{'s' if done != 1 else ''}.")
    if outcome.skipped:
        reasons = "; ".join(f"#{pk}: {why}" for pk, why in outcome.skipped)
        skipped = len(outcome.skipped)
        messages.warning(request, f"Skipped {skipped} item{'s' if skipped != 1 else ''}. {reasons}")
    return redirect(_back(request, fallback))


# Flags -------------------------------------------------------------------------


def _refused(request, post, thread, text: str, *, status: int = 403):
    if request.htmx or _wants_json(request):
        if _wants_json(request):
            return JsonResponse({"error": text}, status=status)
        return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    return render(request, "moderation/flag.html", {"post": post, "thread": thread, "refusal": text}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def flag(request, pk):
    post = get_object_or_404(Post.objects.select_related("thread__category", "author"), pk=pk)
    thread = post.thread
    if not (can_view_thread(request.user, thread) and can_view_post(request.user, post, thread)):
        raise Http404
    if refusal := permissions.flag_refusal(request.user, post, thread):
        return _refused(request, post, thread, refusal)
    if request.method != "POST" and Flag.objects.filter(post=post, flagger=request.user).exists():
        return _refused(request, post, thread, flags.ALREADY_FLAGGED, status=200)
    form = FlagForm(request.POST or None)
    retry_after = None
    if request.method == "POST" and form.is_valid():
        try:
            return _flagged(request, flags.flag_post(request.user, post=post, **form.cleaned_data))
        except PermissionDenied as denied:
            return _refused(request, post, thread, str(denied))
        except RateLimited as limited:
            if request.htmx or _wants_json(request):
                return _too_many(request, post, thread, limited)
            retry_after = limited.retry_after
            add_errors(form, limited)
        except ValidationError as error:
            add_errors(form, error)
    return _flag_form(request, post, thread, form, retry_after)


def _flag_form(request, post, thread, form, retry_after: int | None):
    """The form, with its errors: 400 (429 and Retry-After when the daily cap refused the flag)."""
    status = 429 if retry_after else 400 if form.errors else 200
    if _wants_json(request) and form.errors:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=status)
    if request.htmx:
        # htmx swaps only successful answers, so its form comes back with 200 to show its errors.
        context = {"post": post, "thread": thread, "form": form}
        return render(request, "moderation/partials/queue_flag_form.html", context)
    response = render(request, "moderation/flag.html", {"post": post, "thread": thread, "form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _too_many(request, post, thread, limited: RateLimited):
    response = _refused(request, post, thread, " ".join(limited.messages), status=429)
    response["Retry-After"] = str(limited.retry_after)
    return response


THANKS = "Thanks for flagging this. A moderator will look at it; you'll see what they decide under “Your flags”."


def _flagged(request, created):
    if _wants_json(request):
        return JsonResponse({"flag": created.pk, "outcome": created.outcome}, status=201)
    if request.htmx:
        return render(request, "moderation/partials/queue_flag_done.html", {"thanks": THANKS})
    messages.success(request, THANKS)
    post = created.post
    return redirect(f"{post.thread.get_absolute_url()}#post-{post.pk}")


@login_required
def my_flags(request):
    page = Paginator(selectors.member_flags(request.user), selectors.FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "moderation/my_flags.html",
        {"page_obj": page, "flags": page.object_list, "accuracy": selectors.flag_accuracy(request.user)},
    )
