"""Pages and endpoints for the FAQ's signals. Each parses, calls one service or selector, and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community.forms import add_errors
from community.models import Thread
from community.selectors import line_diff
from community.views.common import error_text, get_thread_or_404
from faq import candidates as faq_candidates
from faq import deflection, permissions, selectors_signals
from faq.forms_signals import HelpfulForm, TakeChangeForm
from faq.models import Article, SourceChange
from faq.services import signals


def _readable_article(request, pk) -> Article:
    article = get_object_or_404(Article.objects.select_related("section"), pk=pk)
    if not permissions.can_view_article(request.user, article):
        raise Http404("No such article")
    return article


def _require_reviewer(request) -> None:
    """The staff's working lists: login_required sends visitors to sign in first."""
    if not permissions.can_review_faq(request.user):
        raise PermissionDenied("Only the FAQ's editors see this list.")


def _session_key(request, *, create: bool) -> str:
    if not request.session.session_key and create:
        # An empty session is never sent back as a cookie; this mark keeps it.
        request.session["faq_helpful"] = True
        request.session.save()
    return request.session.session_key or ""


@require_http_methods(["GET", "HEAD", "POST"])
def helpful(request, pk):
    """ "Was this helpful?": the article page loads it with htmx; without script it is a page of its own."""
    article = _readable_article(request, pk)
    form = HelpfulForm(request.POST or None)
    status = 200
    voted = selectors_signals.has_voted_helpful(request.user, article, _session_key(request, create=False))
    if request.method == "POST" and not voted and form.is_valid():
        try:
            signals.vote_helpful(
                request.user,
                article=article,
                helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"],
                session_key=_session_key(request, create=True),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, "Thank you for telling us.")
                return redirect(article)
            voted = True
    if form.errors:
        status = 429 if getattr(form, "retry_after", None) else 400
    context = {
        "article": article,
        "form": form,
        "voted": voted,
        "can_vote": permissions.can_vote_helpful(request.user, article),
    }
    template = "faq/partials/helpful.html" if request.htmx else "faq/helpful.html"
    response = render(request, template, context, status=status)
    if status == 429:
        response["Retry-After"] = str(form.retry_after)
    return response


@login_required
@require_safe
def feedback(request):
    """The least helpful articles and what readers said about them."""
    _require_reviewer(request)
    return render(request, "faq/feedback.html", {"articles": selectors_signals.least_helpful(request.user)})


@login_required
@require_safe
def candidates(request):
    """Public threads worth promoting, strongest signals first."""
    _require_reviewer(request)
    return render(request, "faq/candidates.html", {"candidates": faq_candidates.candidate_queue()})


@login_required
@require_POST
def dismiss_candidate(request, pk):
    _require_reviewer(request)
    thread = get_object_or_404(Thread, pk=pk)
    try:
        signals.dismiss_candidate(request.user, thread=thread)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"“{thread.title}” is off the candidates.")
    return redirect("faq:candidates")


@login_required
@require_POST
def suggest(request, pk):
    thread = get_thread_or_404(request, pk)
    try:
        signals.suggest_for_faq(request.user, thread=thread)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Thanks! The FAQ's editors will see your suggestion.")
    return redirect(thread)


@login_required
@require_safe
def source_changes(request):
    """Source posts edited since their article took them in."""
    _require_reviewer(request)
    return render(request, "faq/source_changes.html", {"changes": selectors_signals.pending_changes(request.user)})


def _pending_change_or_404(request, pk) -> SourceChange:
    change = selectors_signals.pending_changes(request.user).filter(pk=pk).first()
    if change is None:
        raise Http404("No such change waiting for review")
    return change


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def source_change(request, pk):
    """One change as a diff, with the article's answer to settle and take in, or to dismiss."""
    _require_reviewer(request)
    change = _pending_change_or_404(request, pk)
    form = TakeChangeForm(request.POST or None, initial={"body": selectors_signals.proposed_body(change)})
    if request.method == "POST" and form.is_valid():
        try:
            article = signals.take_source_change(request.user, change=change, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"The change is in “{article.question}”, as a new revision.")
            return redirect("faq:source_changes")
    context = {
        "change": change,
        "article": change.source.article,
        "lines": line_diff(change.body_before, change.body_after),
        "form": form,
        "can_take": permissions.can_edit_articles(request.user),
    }
    return render(request, "faq/source_change.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def dismiss_source_change(request, pk):
    _require_reviewer(request)
    change = _pending_change_or_404(request, pk)
    try:
        signals.dismiss_source_change(request.user, change=change)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Dismissed: the article stays as it is.")
    return redirect("faq:source_changes")


@require_safe
def open_article(request, pk):
    """An article suggested on the ask page: the open is noted in the cache, then the reader goes on to it."""
    article = _readable_article(request, pk)
    deflection.note_opened(article, request.GET.get("visit", "")[:64])
    return redirect(article)


@login_required
@require_safe
def deflection_rates(request):
    """How often a suggested article sent a member away without posting a question."""
    _require_reviewer(request)
    per_article, overall = deflection.rates(request.user)
    rows = [{**row, "rate": _share(row["left"], row["settled"])} for row in per_article]
    context = {
        "rows": rows,
        "overall": {**overall, "rate": _share(overall["left"], overall["settled"])},
        "opened_rate": _share(overall["opened_left"], overall["opened"]),
    }
    return render(request, "faq/deflection.html", context)


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None
