"""Helpers the community views share: errors on forms, the post or thread a reader may see, redirects."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from community import permissions, selectors
from community.models import Post, Review, Thread


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def turning_on(request) -> bool:
    """Toggle buttons post on=1 to turn a thing on and on=0 to turn it off."""
    return request.POST.get("on") != "0"


def page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


def visible_post_or_404(request, pk) -> tuple[Post, Thread]:
    """The post and its thread, if this reader may see the post; to anyone else it isn't there."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    thread = get_thread_or_404(request, post.thread_id)
    if not permissions.can_view_post(request.user, post, thread):
        raise Http404("No such post")
    return post, thread


def get_thread_or_404(request, pk) -> Thread:
    thread = selectors.get_thread(request.user, pk)
    if thread is None:
        raise Http404("No such thread")
    return thread


def shares_member_page(request, category=None) -> bool:
    """Members get pages built from one shared rendering; moderators, who see more, get their own."""
    user = request.user
    return permissions.is_member(user) and not permissions.is_moderator(user, category) and not request.htmx


def tell_if_held(request, post, *, otherwise: str | None = None) -> None:
    """The note after posting: the hold (explained by the held notice in thread.html), or else `otherwise`."""
    if post.review == Review.PENDING:
        what = "thread" if post.is_opening else "reply"
        messages.info(request, f"Thanks! Your {what} is waiting for a moderator to approve it.")
    elif otherwise:
        messages.success(request, otherwise)


def form_page(request, template, context, form):
    """A form page; a post refused by a rate limit answers 429 with Retry-After, other errors 400.

    community.forms.add_errors leaves a rate limit's wait on the form.
    """
    retry_after = getattr(form, "retry_after", None)
    if retry_after:
        response = render(request, template, context, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    return render(request, template, context, status=400 if form.errors else 200)


def redirect_to_post(post):
    return redirect(f"{post.thread.get_absolute_url()}#post-{post.pk}")


def act(request, action, target, success=None):
    """Run one service for a POSTed button.

    A refused permission propagates as a 403 page with its reason; a rule the
    member broke (voting twice, say) comes back as a message on the page.
    """
    try:
        action()
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if success:
            messages.success(request, success)
    if isinstance(target, Post):
        return redirect_to_post(target)
    return redirect(target)


def post_for_action(request, pk) -> Post:
    return visible_post_or_404(request, pk)[0]
