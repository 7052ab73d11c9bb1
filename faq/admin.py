from django.contrib import admin

from faq.events import SectionChanged
from faq.models import Article, Section
from outbox import bus


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    """Sections change here only; the FAQ's pages that name one learn of it through its event."""

    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        bus.publish(SectionChanged(section_id=obj.pk))

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        bus.publish(SectionChanged(section_id=pk))

    def delete_queryset(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        for pk in pks:
            bus.publish(SectionChanged(section_id=pk))


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-only here: articles change through the FAQ's editor, which keeps revisions and audits.

    Staff become editors by joining the "FAQ editors" group on their member page.
    """

    list_display = ["question", "section", "status", "visibility", "updated_at", "view_count"]
    list_filter = ["status", "visibility", "section"]
    search_fields = ["question", "slug"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
