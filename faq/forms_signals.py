from django import forms

from community.forms import CountedTextarea, MarkdownTextarea, MultilineField
from faq.models import BODY_MAX, COMMENT_MAX


class HelpfulForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label="Was this helpful?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no."},
    )
    comment = MultilineField(
        label="What should we add or fix?",
        required=False,
        max_length=COMMENT_MAX,
        widget=CountedTextarea(attrs={"rows": 3}),
    )


class TakeChangeForm(forms.Form):
    body = MultilineField(
        label="The answer, with the change taken in",
        max_length=BODY_MAX,
        widget=MarkdownTextarea(),
        help_text="Edit it as the article should read; saving keeps a new revision.",
    )
