from django.contrib import admin

from notifications.models import Delivery, MutedMember, Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "detail", "thread", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient", "actor", "thread", "post")
    search_fields = ("recipient__username", "event_id")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("event_id", "recipient", "channel", "created_at")
    list_filter = ("channel",)
    raw_id_fields = ("recipient",)
    search_fields = ("event_id", "recipient__username")


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "in_app", "email")
    raw_id_fields = ("user",)


@admin.register(MutedMember)
class MutedMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "muted", "created_at")
    raw_id_fields = ("user", "muted")
