from django.contrib import admin

from outbox.models import Delivery, Event


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ("subscriber", "delivered_at")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: what was published, whether it was handed over, and who has handled it."""

    list_display = ("type", "created_at", "relayed_at")
    list_filter = ("type", ("relayed_at", admin.EmptyFieldListFilter))
    date_hierarchy = "created_at"
    readonly_fields = ("id", "type", "payload", "created_at", "relayed_at")
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
