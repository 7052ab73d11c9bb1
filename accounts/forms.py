from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from accounts.models import User
from accounts.services import AVATAR_FORMATS

AVATAR_MAX_PIXELS = 4096 * 4096


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
        limit = settings.AVATAR_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"That picture is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."
            )
        # ImageField has already opened the file with Pillow and kept the result.
        image = upload.image
        if image.format not in AVATAR_FORMATS:
            raise forms.ValidationError("Upload a JPEG, PNG, GIF or WebP image.")
        if image.width * image.height > AVATAR_MAX_PIXELS:
            raise forms.ValidationError("That picture is too large; use one under 4096 by 4096 pixels.")
        return upload
