from django import forms

from accounts.models import User
from community.models import Category, Subscription, Thread
from notifications.emails import REQUIRED_KINDS
from notifications.models import DigestChoice, Kind

LEVEL_CHOICES = [("", "Not following"), *Subscription.Level.choices]


class PreferencesForm(forms.Form):
    """Two checkboxes per kind: in the community, and by email."""

    def __init__(self, *args, current: dict[str, dict[str, bool]], digest: str = DigestChoice.Frequency.OFF, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[f"{kind.value}_in_app"] = forms.BooleanField(
                required=False, initial=current[kind.value]["in_app"], label="In the community"
            )
            # A notice about the member's account is emailed whatever they choose, and the form says so.
            required = kind in REQUIRED_KINDS
            self.fields[f"{kind.value}_email"] = forms.BooleanField(
                required=False,
                initial=True if required else current[kind.value]["email"],
                disabled=required,
                label="By email",
            )

        # Left out of a post, the summary stays as it was.
        self.fields["digest"] = forms.ChoiceField(
            choices=DigestChoice.Frequency.choices, initial=digest, required=False, label="Summary by email"
        )

    def rows(self):
        return [(kind.label, self[f"{kind.value}_in_app"], self[f"{kind.value}_email"]) for kind in Kind]

    def choices(self) -> dict[str, dict[str, bool]]:
        data = self.cleaned_data
        return {
            kind.value: {"in_app": data[f"{kind.value}_in_app"], "email": data[f"{kind.value}_email"]} for kind in Kind
        }


class WatchForm(forms.Form):
    thread = forms.ModelChoiceField(queryset=Thread.objects.all(), required=False, widget=forms.HiddenInput)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False, widget=forms.HiddenInput)
    level = forms.ChoiceField(choices=LEVEL_CHOICES, required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("thread")) == bool(data.get("category")):
            raise forms.ValidationError("Choose a thread or a category.")
        return data


class OwnerForm(forms.Form):
    # Any member may be named here; whether they can own the question is escalation.assign_owner's to say.
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        error_messages={"required": "Choose who owns it.", "invalid_choice": "Choose a member of the team."},
    )
