from django.contrib import admin

from faq.models import Article, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


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
