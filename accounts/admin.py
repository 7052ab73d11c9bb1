from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "display_name", "is_staff_member", "trust_level", "is_active", "date_joined"]
    list_filter = ["is_staff_member", "trust_level", "is_staff", "is_active"]
    search_fields = ["username", "email", "display_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Community", {"fields": ("display_name", "bio", "avatar", "is_staff_member", "trust_level")}),
    )
