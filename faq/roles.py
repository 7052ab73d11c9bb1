"""The FAQ editors group: staff join it (in the admin, on their member page) to promote and edit articles."""

from django.contrib.auth.models import Group, Permission

EDITORS = "FAQ editors"
PERMISSIONS = ("promote_article", "review_faq")


def editors_group() -> Group:
    """The group, with its permissions; migration 0002 makes it, and this makes it again if it was removed."""
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="faq", codename__in=PERMISSIONS))
    return group
