"""Forms for the member moderation page and the conversations with the team."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from accounts.models import User
from community.forms import BODY_HELP, MarkdownTextarea, MultilineField
from moderation.models import Conversation, Message, Sanction
from moderation.services.feedback import SUBJECT_MAX
from moderation.services.sanctions import NOTE_MAX, REASON_MAX

CANNED_REASONS = [
    ("", "Choose a common reason…"),
    ("Spam or advertising.", "Spam or advertising"),
    ("Rude or abusive towards other members.", "Rude or abusive towards other members"),
    ("Repeated off-topic or low-effort posts.", "Repeated off-topic or low-effort posts"),
    ("Sharing someone's personal information.", "Sharing someone's personal information"),
    ("Getting round an earlier sanction.", "Getting round an earlier sanction"),
]
REASON_HELP = "Pick a common reason, write your own, or both. The member reads it, so write it to them."


class DateInput(forms.DateInput):
    input_type = "date"


def _start_of(day) -> datetime:
    """The start of `day` in the site's time zone: "suspended until 12 June" means back on 12 June."""
    return timezone.make_aware(datetime.combine(day, time.min))


class SanctionForm(forms.Form):
    """One of the warn, suspend and ban forms; each has its own prefix so all three fit on one page."""

    canned = forms.ChoiceField(label="Common reason", choices=CANNED_REASONS, required=False)
    reason = forms.CharField(
        label="In your own words",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=REASON_HELP,
    )
    until = forms.DateField(label="Until", widget=DateInput(), required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, prefix=kind, **kwargs)
        self.kind = kind
        tomorrow = timezone.localdate() + timedelta(days=1)
        until = self.fields["until"]
        until.widget.attrs["min"] = tomorrow.isoformat()
        if kind == Sanction.Kind.WARNING:
            del self.fields["until"]
        elif kind == Sanction.Kind.SUSPENSION:
            until.required = True
            until.label = "Suspended until"
            until.help_text = "They can post again from the start of this day."
            until.initial = timezone.localdate() + timedelta(days=7)
        else:
            until.label = "Banned until"
            until.help_text = "Leave it empty for a permanent ban."

    def clean(self):
        data = super().clean()
        parts = [data.get("canned", ""), (data.get("reason") or "").strip()]
        text = "\n\n".join(part for part in parts if part)
        if not text and not self.has_error("reason"):
            self.add_error("reason", "Choose a reason or write one: the member is told it.")
        data["reason_text"] = text
        if data.get("until"):
            data["until"] = _start_of(data["until"])
        return data


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Add a note",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only moderators see notes.",
    )


class ReasonForm(forms.Form):
    """Lifting a sanction, or cleaning up (or restoring) a spam account."""

    reason = forms.CharField(label="Reason", max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class StartConversationForm(forms.Form):
    subject = forms.CharField(
        max_length=SUBJECT_MAX,
        help_text="A few words: what is this about?",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = MultilineField(
        label="Your message",
        max_length=Message._meta.get_field("body").max_length,
        widget=MarkdownTextarea(),
        help_text=BODY_HELP,
    )


class ConversationReplyForm(forms.Form):
    body = MultilineField(
        label="Your reply",
        max_length=Message._meta.get_field("body").max_length,
        widget=MarkdownTextarea(attrs={"rows": 5}),
        help_text=BODY_HELP,
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.name} (@{user.username})"


class AssignForm(forms.Form):
    assignee = StaffChoiceField(
        label="Assigned to", queryset=User.objects.none(), required=False, empty_label="Nobody yet"
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Conversation.Status.choices)
