from django import forms

from faq.models import BODY_MAX, QUESTION_MAX, SUMMARY_MAX, Section, Visibility


class ArticleFields(forms.Form):
    question = forms.CharField(
        max_length=QUESTION_MAX, help_text="As a reader would ask it; the article's title.", strip=True
    )
    body = forms.CharField(
        label="Answer",
        # The service counts the length (a browser's maxlength counts line breaks differently).
        widget=forms.Textarea(attrs={"rows": 14, "data-editor": "markdown", "data-max-chars": BODY_MAX}),
        help_text="Markdown. Tidy the community's words into an answer that stands on its own.",
    )
    summary = forms.CharField(
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or two sentences: search engines show it under the title of a public article.",
    )
    section = forms.ModelChoiceField(queryset=Section.objects.all(), empty_label=None)
    slug = forms.SlugField(
        max_length=120,
        required=False,
        help_text="The end of the article's address; left empty, it is made from the question.",
    )
    visibility = forms.ChoiceField(
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        help_text="Staff-only articles are the team's internal knowledge base: nobody else sees or finds them.",
    )


class PromoteForm(ArticleFields):
    posts = forms.TypedMultipleChoiceField(
        coerce=int,
        label="Build the answer from",
        widget=forms.CheckboxSelectMultiple,
        help_text="Their authors are credited on the article and earn points for it.",
    )

    field_order = ["posts", "question", "body", "summary", "section", "slug", "visibility"]

    def __init__(self, *args, post_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posts"].choices = post_choices


class EditForm(ArticleFields):
    note = forms.CharField(
        max_length=200, required=False, label="What changed", help_text="Shown in the article's revision list."
    )
    # The revision the editor started from: a save from an older one is refused rather than overwriting.
    base_revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = True
        self.fields["slug"].help_text = "The end of the article's address; changing it breaks links to the old one."
