"""Staff pages: the audit log and the list of moderators."""

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User
from community.models import Category
from moderation import permissions
from moderation.models import AuditEntry, ModeratorRole
from moderation.services import roles
from moderation.thread_forms import CategoryChoiceField, category_label

ENTRIES_PER_PAGE = 50


# The audit log ---------------------------------------------------------------------


class AuditFilterForm(forms.Form):
    """The audit log's filters; each is optional."""

    TARGET_TYPES = [
        ("thread", "Threads"),
        ("post", "Replies"),
        ("member", "Members"),
        ("contentfilter", "Content filters"),
        ("conversation", "Conversations"),
    ]

    action = forms.ChoiceField(label="Action", required=False)
    actor = forms.CharField(label="By", required=False, max_length=30, help_text="A username.")
    target_type = forms.ChoiceField(label="About", required=False)
    category = forms.TypedChoiceField(label="Category", required=False, coerce=int, empty_value=None)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *AuditEntry.Action.choices]
        self.fields["target_type"].choices = [("", "Anything"), *self.TARGET_TYPES]
        self.fields["category"].choices = [("", "Any category")] + [(c.pk, category_label(c)) for c in categories]

    def clean_actor(self):
        return self.cleaned_data["actor"].strip().lstrip("@")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date comes before the start date.")
        return cleaned


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filter_entries(entries, data: dict, categories: list[Category]):
    """Apply the filters that passed validation; a category includes its sub-categories."""
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("actor"):
        entries = entries.filter(actor__username__iexact=data["actor"])
    if data.get("target_type"):
        entries = entries.filter(target_type=data["target_type"])
    if data.get("category"):
        ids = [c.pk for c in categories if data["category"] in (c.pk, c.parent_id)]
        entries = entries.filter(category_id__in=ids)
    if data.get("since"):
        entries = entries.filter(created_at__gte=_day_start(data["since"]))
    if data.get("until"):
        entries = entries.filter(created_at__lt=_day_start(data["until"] + datetime.timedelta(days=1)))
    return entries


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    category: str
    target_url: str
    changes: list[Change]


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _changes(entry: AuditEntry) -> list[Change]:
    before = entry.before if isinstance(entry.before, dict) else {"value": entry.before}
    after = entry.after if isinstance(entry.after, dict) else {"value": entry.after}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Change(field=key.replace("_", " ").capitalize(), before=_shown(before.get(key)), after=_shown(after.get(key)))
        for key in keys
    ]


def _target_url(entry: AuditEntry) -> str:
    """Where the entry's subject can be looked at, if anywhere."""
    try:
        if entry.target_type == "thread":
            return reverse("community:thread_short", kwargs={"pk": entry.target_id})
        if entry.target_type == "post":
            return reverse("community:post_context", kwargs={"pk": entry.target_id})
        if entry.target_type == "member" and entry.target_label.startswith("@"):
            return reverse("moderation:member", kwargs={"username": entry.target_label[1:]})
        if entry.target_type == "conversation":
            return reverse("moderation:conversation", kwargs={"pk": entry.target_id})
        if entry.target_type == "contentfilter":
            return reverse("admin:moderation_contentfilter_change", args=[entry.target_id])
    except NoReverseMatch:
        pass
    return ""


@login_required
@require_safe
def log(request):
    """Every moderator and staff action, newest first, filtered and paginated in a constant number of queries."""
    if not permissions.can_view_audit_log(request.user):
        raise PermissionDenied("Only staff can read the audit log.")
    categories = list(Category.objects.select_related("parent").order_by("position", "name"))
    form = AuditFilterForm(request.GET or None, categories=categories)
    entries = AuditEntry.objects.select_related("actor").only(
        *(f.name for f in AuditEntry._meta.concrete_fields), "actor__username"
    )
    filtered = False
    if form.is_bound:
        form.is_valid()
        filtered = any(form.cleaned_data.values())
        entries = filter_entries(entries, form.cleaned_data, categories)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    names = {c.pk: category_label(c) for c in categories}
    rows = [
        Row(entry=e, category=names.get(e.category_id, ""), target_url=_target_url(e), changes=_changes(e))
        for e in page
    ]
    context = {"form": form, "page_obj": page, "rows": rows, "filtered": filtered}
    return render(request, "moderation/audit.html", context)


# Moderators -------------------------------------------------------------------------


class GrantForm(forms.Form):
    username = forms.CharField(label="Member", max_length=30, help_text="Their username, without the @.")
    category = CategoryChoiceField(
        queryset=Category.objects.select_related("parent").order_by("position", "name"),
        label="Moderates",
        required=False,
        empty_label="Everywhere",
        help_text="A category includes its sub-categories.",
    )

    def clean_username(self):
        name = self.cleaned_data["username"].strip().lstrip("@")
        member = User.objects.filter(username__iexact=name).first()
        if member is None:
            raise ValidationError(f"No member is called @{name}.")
        if not member.is_active:
            raise ValidationError(f"@{member.username} is banned, so they can't moderate.")
        return member

    def clean(self):
        cleaned = super().clean()
        member = cleaned.get("username")
        if isinstance(member, User):
            category = cleaned.get("category")
            if ModeratorRole.objects.filter(user=member, category=category).exists():
                where = category_label(category) if category else "everywhere"
                self.add_error("username", f"@{member.username} already moderates {where}.")
        return cleaned


@dataclass(frozen=True)
class ModeratorRow:
    member: User
    roles: list[ModeratorRole]


def _moderator_rows() -> list[ModeratorRow]:
    rows: dict[int, ModeratorRow] = {}
    for role in ModeratorRole.objects.select_related("user", "category__parent", "granted_by").order_by(
        "user__username", F("category__name").asc(nulls_first=True)
    ):
        rows.setdefault(role.user_id, ModeratorRow(member=role.user, roles=[])).roles.append(role)
    return list(rows.values())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def moderators(request):
    """Who moderates where; staff appoint and remove moderators here, through moderation.services.roles."""
    if not permissions.can_manage_roles(request.user):
        raise PermissionDenied("Only staff can appoint moderators.")
    form = GrantForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "grant":
            form = GrantForm(request.POST)
            if form.is_valid():
                member, category = form.cleaned_data["username"], form.cleaned_data["category"]
                roles.grant_moderator(request.user, member=member, category=category)
                where = category_label(category) if category else "everywhere"
                messages.success(request, f"@{member.username} now moderates {where}.")
                return redirect("moderation:moderators")
            status = 400
        elif action == "revoke":
            role_id = request.POST.get("role", "")
            role = get_object_or_404(
                ModeratorRole.objects.select_related("user", "category__parent"),
                pk=int(role_id) if role_id.isdigit() else 0,
            )
            roles.revoke_moderator(request.user, member=role.user, category=role.category)
            where = category_label(role.category) if role.category else "everywhere"
            messages.success(request, f"@{role.user.username} no longer moderates {where}.")
            return redirect("moderation:moderators")
        else:
            messages.error(request, "Choose to appoint or to remove a moderator.")
            status = 400
    return render(request, "moderation/moderators.html", {"form": form, "rows": _moderator_rows()}, status=status)
