from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.events import ProfileChanged
from accounts.models import User
from outbox import bus


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "is_staff_member",
        "staff_role",
        "trust_level",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_staff_member", "trust_level", "is_staff", "is_active"]
    search_fields = ["username", "email", "display_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Community", {"fields": ("display_name", "bio", "avatar", "is_staff_member", "trust_level")}),
        ("On the team page", {"fields": ("staff_role", "team_focus")}),
    )

    def save_model(self, request, obj, form, change):
        """Pages that show the member learn of the edit like any other profile change."""
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            bus.publish(ProfileChanged(member_id=obj.pk, fields=tuple(form.changed_data)))
