from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from recognition.services.super_users import NOTE_MAX_LENGTH


class NoteField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", NOTE_MAX_LENGTH)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)


class NominateForm(forms.Form):
    username = forms.CharField(label="Member", max_length=30, help_text="Their username, without the @.")
    note = NoteField(label="Why", help_text="For the record: what they do for the community.")

    def clean_username(self):
        name = self.cleaned_data["username"].strip().lstrip("@")
        member = User.objects.filter(username__iexact=name).first()
        if member is None:
            raise ValidationError(f"No member is called @{name}.")
        if not member.is_active:
            raise ValidationError(f"@{member.username} is banned, so they can't be a super user.")
        if member.is_super_user:
            raise ValidationError(f"@{member.username} is a super user already.")
        return member


class RemoveForm(forms.Form):
    note = NoteField(label="Why", help_text="For the record; the member doesn't see it.")
