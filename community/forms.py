from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from community.models import BODY_MAX, TITLE_MAX, Category, Tag, Thread
from community.search import MAX_QUERY_LENGTH
from community.services.threads import MAX_TAGS

BODY_HELP = "Markdown works: **bold**, `code`, ```fenced blocks```, > quotes, and @username to mention someone."


class CountedTextarea(forms.Textarea):
    """A textarea whose length limit is shown as a live count (static/js/charcount.js), not enforced by the browser.

    A `maxlength` attribute silently drops whatever a paste brings past the
    limit, so the limit travels as data-max-chars instead and the form or
    service refuses longer text with an error, showing it back whole.
    """

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        if "maxlength" in attrs:
            attrs["data-max-chars"] = attrs.pop("maxlength")
        return attrs


class MarkdownTextarea(CountedTextarea):
    """A body field wired to live preview and @mention suggestions (static/js/editor.js)."""

    def __init__(self, attrs=None):
        super().__init__({"rows": 8, "data-editor": "markdown", "maxlength": BODY_MAX, **(attrs or {})})


class MultilineField(forms.CharField):
    """Text from a textarea, with each line break counted once, as the member's character count shows it.

    Browsers send line breaks as CRLF, which would count twice against a limit.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return f"{category.parent.name} / {category.name}" if category.parent_id else category.name


class ThreadForm(forms.Form):
    category = CategoryChoiceField(queryset=Category.objects.none(), empty_label="Choose a category")
    kind = forms.ChoiceField(choices=Thread.Kind.choices, widget=forms.RadioSelect, initial=Thread.Kind.QUESTION)
    title = forms.CharField(
        max_length=TITLE_MAX,
        help_text="One sentence someone could search for.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-similar": "title"}),
    )
    body = MultilineField(label="Details", widget=MarkdownTextarea(), help_text=BODY_HELP)
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Up to {MAX_TAGS}.",
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"Pick at most {MAX_TAGS} tags.")
        return tags


class ReplyForm(forms.Form):
    body = MultilineField(label="Your reply", widget=MarkdownTextarea(attrs={"rows": 5}), help_text=BODY_HELP)


class EditPostForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, required=False)
    body = MultilineField(widget=MarkdownTextarea(), help_text=BODY_HELP)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=())
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown publicly with the change."
    )
    solving_post = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, thread, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Thread.IdeaStatus.choices if thread.kind == Thread.Kind.IDEA else Thread.ProblemStatus.choices
        self.fields["status"].choices = choices


class AttachmentForm(forms.Form):
    image = forms.ImageField()


class SearchForm(forms.Form):
    # No max_length: a longer query would make the form invalid and the search
    # silently empty. It is cut to what the search reads, and the page says so.
    q = forms.CharField(label="Search", required=False)
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, to_field_name="slug", empty_label="All categories"
    )
    kind = forms.ChoiceField(choices=[("", "All kinds"), *Thread.Kind.choices], required=False)
    solved = forms.ChoiceField(
        label="Status", choices=[("", "Solved or not"), ("yes", "Solved"), ("no", "Not solved yet")], required=False
    )
    tag = forms.ModelChoiceField(
        queryset=Tag.objects.all(), required=False, to_field_name="slug", empty_label="Any tag"
    )
    FILTERS = ("category", "kind", "solved", "tag")

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:MAX_QUERY_LENGTH].strip()

    @property
    def query_was_cut(self) -> bool:
        return len(self.data.get("q", "").strip()) > MAX_QUERY_LENGTH

    def active_filters(self) -> list[tuple[str, str, str]]:
        """Each filter in use: its label, the value chosen, and the query string of this search without it."""
        found = []
        for name in self.FILTERS:
            value = self.cleaned_data.get(name)
            if not value:
                continue
            field = self.fields[name]
            shown = str(value) if isinstance(field, forms.ModelChoiceField) else dict(field.choices)[value]
            without = self.data.copy()
            for dropped in (name, "page"):
                without.pop(dropped, None)
            found.append((field.label or name.title(), shown, without.urlencode()))
        return found


def add_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names when the form has one, else above the form.

    A refusal for now (a rate limit's `retry_after`) also leaves on the form
    when the member may try again: components/form_errors.html shows it, and
    community.views.common.form_page answers 429 with Retry-After.
    """
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
    if retry_after := getattr(error, "retry_after", None):
        form.retry_after = retry_after
        form.retry_at = timezone.now() + timedelta(seconds=retry_after)
