"""Writing to and acting on posts and threads: reply, edit, remove, votes, answers, status, follows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from community import permissions, selectors
from community.forms import EditPostForm, ReplyForm, StatusForm, add_errors
from community.models import Category, Post, Thread
from community.services import posts, subscriptions, threads, votes
from community.views.common import (
    act,
    error_text,
    form_page,
    get_thread_or_404,
    post_for_action,
    redirect_to_post,
    tell_if_held,
    turning_on,
    visible_post_or_404,
)
from moderation.screening import RateLimited


def reply(request, pk):
    parent, thread = visible_post_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={thread.get_absolute_url()}")
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = posts.reply(request.user, parent=parent, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            tell_if_held(request, post, otherwise="Your reply is posted.")
            return redirect_to_post(post)
    context = {
        "form": form,
        "parent": parent,
        "thread": thread,
        "reply_refusal": permissions.reply_refusal(request.user, thread),
    }
    return form_page(request, "community/reply.html", context, form)


def post_actions(request, pk):
    """What this reader may do with one post, as plain forms that need no JavaScript.

    The thread page is shared by all its readers, so it holds no CSRF token and
    no one's tools: static/js/viewer.js lays them over it, and each post's
    "Actions" link leads here, where the same capabilities decide the forms.
    """
    post, thread = visible_post_or_404(request, pk)
    user = request.user
    tools = permissions.post_capabilities(user, post, thread)
    context = {
        "post": post,
        "thread": thread,
        "tools": tools,
        "voted": tools.vote and selectors.marked_helpful(user, post),
        "posting_refusal": permissions.posting_refusal(user),
        "reply_refusal": permissions.reply_refusal(user, thread),
        "reply_form": ReplyForm() if tools.reply else None,
    }
    return render(request, "community/post_actions.html", context)


@login_required
def edit_post(request, pk):
    post, thread = visible_post_or_404(request, pk)
    if not permissions.can_edit_post(request.user, post, thread):
        raise PermissionDenied("You can't edit this post.")
    form = EditPostForm(request.POST or None, initial={"title": thread.title, "body": post.body})
    if not post.is_opening:
        del form.fields["title"]
    if request.method == "POST" and form.is_valid():
        try:
            posts.edit_post(
                request.user, post=post, body=form.cleaned_data["body"], title=form.cleaned_data.get("title")
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect_to_post(post)
    return form_page(request, "community/edit_post.html", {"form": form, "post": post, "thread": thread}, form)


def revisions(request, pk):
    post, thread = visible_post_or_404(request, pk)
    if not permissions.can_view_revisions(request.user, post, thread):
        raise Http404("No such post")
    history = selectors.revision_diffs(post)
    return render(request, "community/revisions.html", {"post": post, "thread": thread, "history": history})


@login_required
@require_POST
def delete_post(request, pk):
    post = post_for_action(request, pk)
    if post.is_opening:
        # The thread goes with its opening post, so there is no page to return to.
        act(request, lambda: posts.delete_post(request.user, post=post), post, "The thread was removed.")
        return redirect(post.thread.category)
    return act(request, lambda: posts.delete_post(request.user, post=post), post, "The post was removed.")


@login_required
@require_POST
def helpful(request, pk):
    post = post_for_action(request, pk)
    on = turning_on(request)
    action = votes.mark_helpful if on else votes.unmark_helpful
    if request.htmx:
        try:
            post = action(request.user, post=post)
        except RateLimited as limited:
            return HttpResponse(error_text(limited), status=429, headers={"Retry-After": str(limited.retry_after)})
        except ValidationError as error:
            return HttpResponse(error_text(error), status=400)
        return render(
            request,
            "community/partials/helpful_button.html",
            {"post": post, "voted": on, "can_vote": True},
        )
    message = "Marked as helpful." if on else "Your helpful vote is taken back."
    return act(request, lambda: action(request.user, post=post), post, message)


@login_required
@require_POST
def accept(request, pk):
    post = post_for_action(request, pk)
    return act(request, lambda: posts.accept_answer(request.user, post=post), post, "Answer accepted.")


@login_required
@require_POST
def unaccept(request, pk):
    thread = get_thread_or_404(request, pk)
    return act(request, lambda: posts.unaccept_answer(request.user, thread=thread), thread, "Answer unaccepted.")


@login_required
@require_POST
def verify(request, pk):
    post = post_for_action(request, pk)
    on = turning_on(request)
    message = "Marked as verified by the team." if on else "Team verification removed."
    return act(request, lambda: posts.verify_answer(request.user, post=post, verified=on), post, message)


@login_required
@require_POST
def idea_vote(request, pk):
    thread = get_thread_or_404(request, pk)
    on = turning_on(request)
    return act(request, lambda: votes.vote_idea(request.user, thread=thread, on=on), thread)


@login_required
@require_POST
def me_too(request, pk):
    thread = get_thread_or_404(request, pk)
    on = turning_on(request)
    return act(request, lambda: votes.confirm_problem(request.user, thread=thread, on=on), thread)


@login_required
@require_POST
def set_status(request, pk):
    thread = get_thread_or_404(request, pk)
    form = StatusForm(request.POST, thread=thread)
    if not form.is_valid():
        messages.error(request, "Choose a status.")
        return redirect(thread)
    data = form.cleaned_data
    if thread.kind == Thread.Kind.IDEA:
        action = lambda: threads.set_idea_status(  # noqa: E731
            request.user, thread=thread, status=data["status"], note=data["note"]
        )
    else:
        solving = Post.objects.filter(pk=data["solving_post"]).first() if data["solving_post"] else None
        action = lambda: threads.set_problem_status(  # noqa: E731
            request.user, thread=thread, status=data["status"], note=data["note"], solving_post=solving
        )
    return act(request, action, thread, "Status updated.")


@login_required
@require_POST
def follow_thread(request, pk):
    thread = get_thread_or_404(request, pk)
    action = subscriptions.follow_thread if turning_on(request) else subscriptions.unfollow_thread
    return act(request, lambda: action(request.user, thread=thread), thread)


@login_required
@require_POST
def follow_category(request, slug):
    category = get_object_or_404(Category, slug=slug)
    action = subscriptions.follow_category if turning_on(request) else subscriptions.unfollow_category
    return act(request, lambda: action(request.user, category=category), category)
