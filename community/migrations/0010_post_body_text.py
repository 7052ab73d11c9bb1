from django.db import migrations, models

BATCH = 2000


def fill_texts(apps, schema_editor):
    # The words each existing post shows, as the services now keep them at every write.
    from community.rendering import plain_text

    Post = apps.get_model("community", "Post")
    last = 0
    while rows := list(Post.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "body")[:BATCH]):
        Post.objects.bulk_update([Post(pk=pk, body_text=plain_text(body)) for pk, body in rows], ["body_text"])
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0009_helpful_vote_thread"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="body_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_texts, migrations.RunPython.noop),
    ]
