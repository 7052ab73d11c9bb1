from django import forms

from community.forms import EditPostForm

REASON_HELP = "The author is told this, with how to appeal. It goes in the audit log too."


class EditOthersPostForm(EditPostForm):
    reason = forms.CharField(max_length=500, required=False, help_text=REASON_HELP)


class RemovePostForm(forms.Form):
    reason = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=REASON_HELP
    )
