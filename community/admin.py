from django.contrib import admin

from community import events
from community.models import Category, Synonym, Tag, Thread


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "position", "who_can_start", "thread_count", "post_count"]
    list_editable = ["position"]
    list_filter = ["who_can_start", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "description"]

    def save_model(self, request, obj, form, change):
        """Pages that show the category, and lists that span it, learn of the edit through its event."""
        old_parent = Category.objects.filter(pk=obj.pk).values_list("parent_id", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        parents = tuple(sorted({pk for pk in (old_parent, obj.parent_id) if pk}))
        events.publish(events.CategoryChanged(category_id=obj.pk, parent_ids=parents))


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["term", "alternatives"]
    search_fields = ["term", "alternatives"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    """Read-only: threads change through the site, where every action is checked and counted."""

    list_display = ["title", "kind", "category", "author", "state", "reply_count", "created_at"]
    list_filter = ["kind", "state", "category"]
    search_fields = ["title"]
    list_select_related = ["category", "author"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
