from django.db import migrations

GROUP = "Moderators"


def forward(apps, schema_editor):
    """Members of the old global "Moderators" group become moderators everywhere."""
    Group = apps.get_model("auth", "Group")
    ModeratorRole = apps.get_model("moderation", "ModeratorRole")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    for user in group.user_set.all():
        ModeratorRole.objects.get_or_create(user=user, category=None)
        user.moderates_everywhere = True
        user.save(update_fields=["moderates_everywhere"])
    group.delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_audit_append_only"), ("accounts", "0002_moderation_copies")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
