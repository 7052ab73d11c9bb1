from django import forms
from django.conf import settings

from accounts.images import validate_image
from accounts.models import User


class ProfileForm(forms.ModelForm):
    avatar = forms.ImageField(
        required=False,
        help_text="JPEG, PNG, GIF or WebP, at most 2 MB. It is cropped to a square.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my current picture")

    class Meta:
        model = User
        fields = ["display_name", "bio", "staff_role", "team_focus"]
        labels = {"staff_role": "Your role", "team_focus": "What you look after"}
        help_texts = {
            "display_name": "Shown beside your posts. Leave empty to use your username.",
            "bio": "A line or two about you, shown on your public profile.",
            "staff_role": "Shown in the Staff marker beside your posts, e.g. “Support engineer”.",
            "team_focus": "Shown on the Meet the team page, e.g. “Billing, accounts and the mobile app”.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    # Only staff members describe their place on the team; anyone else's form has no such fields,
    # so whatever they post for them is ignored.
    STAFF_FIELDS = ("staff_role", "team_focus")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_staff_member:
            for name in self.STAFF_FIELDS:
                del self.fields[name]

    @property
    def staff_changes(self) -> dict:
        """The staff fields as the service takes them: none for anyone else."""
        return {name: self.cleaned_data[name] for name in self.STAFF_FIELDS if name in self.fields}

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        validate_image(upload, max_bytes=settings.AVATAR_MAX_BYTES)
        return upload
