from django import forms

from community.forms import CountedTextarea, MultilineField
from faq.models import COMMENT_MAX


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
