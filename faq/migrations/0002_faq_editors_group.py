from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "FAQ editors"
PERMISSIONS = ("promote_article", "review_faq")


def forward(apps, schema_editor):
    """The group staff join (in the admin, on the member's page) to promote and edit FAQ articles."""
    # Permissions are otherwise created after the last migration; the group needs them now.
    config = apps.get_app_config("faq")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="faq", codename__in=PERMISSIONS))


def backward(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [("faq", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(forward, backward)]
