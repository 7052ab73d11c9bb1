from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from community.forms import CountedTextarea, MultilineField
from recognition.services.badges import CITATION_MAX


class GiveBadgeForm(forms.Form):
    member = forms.CharField(label="Member", max_length=30, help_text="Their username, without the @.")
    citation = MultilineField(
        label="Citation",
        max_length=CITATION_MAX,
        error_messages={"max_length": f"Keep the citation to {CITATION_MAX} characters (it has %(show_value)d)."},
        widget=CountedTextarea(attrs={"rows": 4}),
        help_text="What the badge is for, in a sentence or two. It shows on the badge page and the member's profile.",
    )

    def clean_member(self):
        name = self.cleaned_data["member"].strip().lstrip("@")
        member = User.objects.filter(username__iexact=name, is_active=True).first()
        if member is None:
            raise ValidationError(f"No member is called @{name}.")
        return member
