"""Editing and removing someone else's post: a form page each, posting to moderation's audited services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from community import permissions as community_permissions
from community import selectors as community_selectors
from community.forms import add_errors
from community.models import Post, Thread
from moderation.post_forms import EditOthersPostForm, RemovePostForm
from moderation.services import posts as services


def _post_for(request, pk, allowed) -> tuple[Post, Thread]:
    """The post and its thread; hidden with 404 from who can't see it, refused with 403 from who may not act."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    thread = community_selectors.get_thread(request.user, post.thread_id)
    if thread is None or not community_permissions.can_view_post(request.user, post, thread):
        raise Http404("No such post")
    if not allowed(request.user, post, thread):
        raise PermissionDenied("You can't do that to this post.")
    return post, thread


def _to_post(post: Post, thread: Thread):
    return redirect(f"{thread.get_absolute_url()}#post-{post.pk}")


@login_required
def edit_post(request, pk):
    post, thread = _post_for(request, pk, community_permissions.can_edit_others_post)
    form = EditOthersPostForm(request.POST or None, initial={"title": thread.title, "body": post.body})
    if not post.is_opening:
        del form.fields["title"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_post(
                request.user, post=post, body=data["body"], title=data.get("title"), reason=data["reason"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"The post by {post.author.name} is changed; the edit is in the audit log.")
            return _to_post(post, thread)
    context = {"form": form, "post": post, "thread": thread}
    return render(request, "moderation/edit_post.html", context, status=400 if form.errors else 200)


@login_required
def remove_post(request, pk):
    post, thread = _post_for(request, pk, community_permissions.can_remove_others_post)
    form = RemovePostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_post(request.user, post=post, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"The post is removed, and {post.author.name} was told why.")
            if post.is_opening:
                return redirect(thread.category)
            return _to_post(post, thread)
    context = {"form": form, "post": post, "thread": thread}
    return render(request, "moderation/remove_post.html", context, status=400 if form.errors else 200)
