from django import forms
from django.utils.html import format_html

from community.forms import CountedTextarea, MultilineField
from community.models import Category
from moderation.models import Flag

# Flags and queue -------------------------------------------------------------

FLAG_TEXT_MAX = Flag._meta.get_field("text").max_length

# Shown beside each reason, so a member picks the right one without guessing.
FLAG_REASON_HELP = {
    Flag.Reason.SPAM: "Advertising, or links that have nothing to do with the thread.",
    Flag.Reason.ABUSE: "Rude, hateful or harassing.",
    Flag.Reason.OFF_TOPIC: "Doesn't belong in this thread.",
    Flag.Reason.MODERATOR: "Something else a moderator should look at. Tell them what.",
    Flag.Reason.OTHER: "Tell the moderators what is wrong.",
}


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this post?",
        choices=[
            (value, format_html('<strong>{}</strong> <span class="muted">{}</span>', label, FLAG_REASON_HELP[value]))
            for value, label in Flag.Reason.choices
        ],
        widget=forms.RadioSelect,
    )
    text = MultilineField(
        label="Tell the moderators more",
        required=False,
        max_length=FLAG_TEXT_MAX,
        widget=CountedTextarea(attrs={"rows": 3}),
        help_text="Needed for “Needs a moderator” and “Something else”. Only moderators see it.",
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") in Flag.NEEDS_TEXT and not data.get("text", "").strip():
            self.add_error("text", "Say what a moderator should look at.")
        return data


# Canned replies a moderator can send with one click; the free text is added after.
CANNED_REPLIES = [
    ("", "No canned reply"),
    ("spam", "This looks like spam or advertising."),
    ("abuse", "This is rude or abusive. Please keep it kind."),
    ("off_topic", "This is off-topic for the thread."),
    ("duplicate", "This repeats something already posted."),
    ("personal", "This shares someone's personal information."),
    ("guidelines", "This breaks the community guidelines."),
]
CANNED_TEXT = dict(CANNED_REPLIES)

QUEUE_ACTIONS = [
    ("approve", "Approve"),
    ("dismiss", "Dismiss flags"),
    ("hide", "Hide"),
    ("delete", "Remove"),
]


class ReviewActionForm(forms.Form):
    action = forms.ChoiceField(choices=QUEUE_ACTIONS)
    canned = forms.ChoiceField(label="Reply", choices=CANNED_REPLIES, required=False)
    note = forms.CharField(
        label="Note to the author",
        required=False,
        max_length=1000,
        help_text="Sent with a hide or a removal, and kept in the audit log.",
    )

    @property
    def reason(self) -> str:
        """The canned reply and the free text, as one sentence or two."""
        data = self.cleaned_data
        parts = [CANNED_TEXT[data["canned"]] if data.get("canned") else "", data.get("note", "").strip()]
        return " ".join(part for part in parts if part)


BULK_MAX = 100


class ItemIdsField(forms.Field):
    """The ids of the ticked queue items; which of them the moderator may act on is the service's call."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            ids = [int(pk) for pk in value or ()]
        except (TypeError, ValueError):
            raise forms.ValidationError("Pick items from the queue.") from None
        return list(dict.fromkeys(ids))

    def validate(self, value):
        if not value:
            raise forms.ValidationError("Select at least one item.")
        if len(value) > BULK_MAX:
            raise forms.ValidationError(f"Act on at most {BULK_MAX} items at a time.")


class BulkActionForm(ReviewActionForm):
    items = ItemIdsField()


QUEUE_REASONS = [
    ("", "Any reason"),
    *Flag.Reason.choices,
    ("pending", "New member's post (pre-moderation)"),
    ("filtered", "Held by a content filter"),
]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return f"{category.parent.name} / {category.name}" if category.parent_id else category.name


class QueueFilterForm(forms.Form):
    category = CategoryChoiceField(
        queryset=Category.objects.none(), required=False, to_field_name="slug", empty_label="All your categories"
    )
    reason = forms.ChoiceField(choices=QUEUE_REASONS, required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
