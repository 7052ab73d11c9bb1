"""Moderation in the Django admin: content filters are maintained here; everything else is read-only.

Moderator roles change on /mod/moderators/, through moderation.services.roles,
so that the copy of each member's scope on their user row and the audit log
stay right. The audit log can be read here but never changed: the model, its
queryset and a database trigger refuse, and so does this admin.
"""

import re

from django import forms
from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from moderation import audit, screening
from moderation.models import AuditEntry, ContentFilter, Conversation, MemberNote, ModeratorRole, Sanction


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages only: these rows change through the site's own checked actions."""

    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "target_label", "target_type", "category_id"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["target_label", "reason", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(ModeratorRole)
class ModeratorRoleAdmin(ReadOnlyAdmin):
    list_display = ["user", "scope", "granted_by", "created_at"]
    list_filter = ["category"]
    search_fields = ["user__username"]
    list_select_related = ["user", "category", "granted_by"]

    @admin.display(description="Moderates")
    def scope(self, role):
        return role.category or "Everywhere"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": "Moderator roles (appoint and remove them on the Moderators page)",
            "subtitle": format_html('<a href="{}">Manage moderators</a>', reverse("moderation:moderators")),
        }
        return super().changelist_view(request, extra_context)


class ContentFilterForm(forms.ModelForm):
    class Meta:
        model = ContentFilter
        fields = ["pattern", "is_regex", "action", "message", "is_active"]

    def clean(self):
        cleaned = super().clean()
        pattern, is_regex = cleaned.get("pattern", ""), cleaned.get("is_regex")
        if pattern and is_regex:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as error:
                self.add_error("pattern", f"This regular expression doesn't work: {error}.")
        return cleaned


def _filter_state(content_filter: ContentFilter) -> dict:
    return {
        "pattern": content_filter.pattern,
        "regular_expression": content_filter.is_regex,
        "action": content_filter.action,
        "message": content_filter.message,
        "active": content_filter.is_active,
    }


@admin.register(ContentFilter)
class ContentFilterAdmin(admin.ModelAdmin):
    """Staff keep the blocked, held and censored words here; each change is audited and takes effect at once."""

    form = ContentFilterForm
    list_display = ["pattern", "is_regex", "action", "is_active", "created_at"]
    list_filter = ["action", "is_regex", "is_active"]
    search_fields = ["pattern", "message"]

    def save_model(self, request, obj, form, change):
        before = _filter_state(ContentFilter.objects.get(pk=obj.pk)) if change else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.filter_changed(request.user, obj, before=before, after=_filter_state(obj))
            transaction.on_commit(screening.forget_filters)

    def delete_model(self, request, obj):
        with transaction.atomic():
            # Recorded first: the entry names the filter by its id, which deletion clears.
            audit.filter_changed(request.user, obj, before=_filter_state(obj), after={})
            super().delete_model(request, obj)
            transaction.on_commit(screening.forget_filters)

    def delete_queryset(self, request, queryset):
        for content_filter in queryset:
            self.delete_model(request, content_filter)


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["member", "kind", "ends_at", "created_by", "created_at", "lifted_at"]
    list_filter = ["kind"]
    search_fields = ["member__username", "reason"]
    list_select_related = ["member", "created_by"]


@admin.register(MemberNote)
class MemberNoteAdmin(ReadOnlyAdmin):
    list_display = ["member", "author", "created_at"]
    search_fields = ["member__username"]
    list_select_related = ["member", "author"]


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ["subject", "member", "status", "assignee", "last_message_at"]
    list_filter = ["status"]
    search_fields = ["subject", "member__username"]
    list_select_related = ["member", "assignee"]
