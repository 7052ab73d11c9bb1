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
        fields = ["display_name", "bio"]
        help_texts = {
            "display_name": "Shown beside your posts. Leave empty to use your username.",
            "bio": "A line or two about you, shown on your public profile.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        validate_image(upload, max_bytes=settings.AVATAR_MAX_BYTES)
        return upload
