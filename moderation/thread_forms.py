"""One small form per thread action on /mod/threads/<pk>/.

Each thread form is posted with `action=<name>` and its fields prefixed by
that name, so a page of several forms keeps its ids and errors apart.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

from community import permissions as community_permissions
from community.models import TITLE_MAX, Category, Post, Thread
from moderation import permissions

REASON_MAX = 500
# A thread given as its number, "#12", or any address containing /t/12/ (or this page's /mod/threads/12/).
THREAD_REFERENCE = re.compile(r"^#?(\d+)$|/(?:t|mod/threads)/(\d+)(?:[/?#]|$)")
# A post given as its number, "#post-12", an address ending in #post-12, or /posts/12/.
POST_REFERENCE = re.compile(r"^#?(?:post-)?(\d+)$|#post-(\d+)$|/posts/(\d+)(?:[/?#]|$)")


def category_label(category: Category) -> str:
    return f"{category.parent.name} / {category.name}" if category.parent_id else category.name


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return category_label(obj)


def moderated_categories(user):
    """The categories `user` may act in, parents before their children."""
    categories = Category.objects.select_related("parent").order_by("position", "name")
    ids = [c.pk for c in categories if permissions.can_review(user, c)]
    return categories.filter(pk__in=ids)


def _reference(pattern: re.Pattern, text: str) -> int | None:
    found = pattern.search(text.strip())
    if not found:
        return None
    return int(next(group for group in found.groups() if group))


class ThreadActionForm(forms.Form):
    """A reason, kept in the audit log, for every action."""

    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=REASON_MAX,
        help_text="Kept in the audit log; staff can read it.",
    )

    def __init__(self, *args, thread: Thread, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.thread, self.user = thread, user
        # The reason comes last, after the fields that say what to do.
        self.order_fields([name for name in self.fields if name != "reason"] + ["reason"])

    def _thread_field(self, name: str) -> Thread:
        text = self.cleaned_data.get(name, "")
        pk = _reference(THREAD_REFERENCE, text)
        thread = Thread.objects.select_related("category").filter(pk=pk).first() if pk else None
        if thread is None or not community_permissions.can_view_thread(self.user, thread):
            raise ValidationError("No thread has that address. Paste the thread's link or type its number.")
        return thread


class MoveForm(ThreadActionForm):
    category = CategoryChoiceField(queryset=Category.objects.none(), label="Move to", empty_label="Choose a category")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = moderated_categories(self.user).exclude(pk=self.thread.category_id)


class RenameForm(ThreadActionForm):
    title = forms.CharField(label="New title", max_length=TITLE_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].initial = self.thread.title


class MergeForm(ThreadActionForm):
    into = forms.CharField(
        label="Merge into",
        max_length=300,
        help_text="The thread to keep: paste its link or type its number. This thread's posts move under it.",
    )

    def clean_into(self):
        return self._thread_field("into")


class SplitForm(ThreadActionForm):
    post = forms.CharField(
        label="First reply of the new thread",
        max_length=300,
        help_text="The reply's link (copy its time stamp) or its number. The replies under it move too.",
    )
    title = forms.CharField(label="Title of the new thread", max_length=TITLE_MAX)
    category = CategoryChoiceField(
        queryset=Category.objects.none(), label="Category", required=False, empty_label="Same as this thread"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = moderated_categories(self.user)

    def clean_post(self):
        pk = _reference(POST_REFERENCE, self.cleaned_data.get("post", ""))
        post = Post.objects.filter(pk=pk, thread=self.thread).first() if pk else None
        if post is None:
            raise ValidationError("That isn't a reply in this thread. Copy the link from the reply's time stamp.")
        return post


class DuplicateForm(ThreadActionForm):
    original = forms.CharField(
        label="Duplicate of",
        max_length=300,
        help_text="The thread that already covers this: its link or its number. This thread gets closed.",
    )

    def clean_original(self):
        return self._thread_field("original")
