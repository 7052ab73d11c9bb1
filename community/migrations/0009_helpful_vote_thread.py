import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_threads(apps, schema_editor):
    HelpfulVote = apps.get_model("community", "HelpfulVote")
    Post = apps.get_model("community", "Post")
    HelpfulVote.objects.update(thread_id=Subquery(Post.objects.filter(pk=OuterRef("post_id")).values("thread_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0008_post_author_thread"),
    ]

    operations = [
        migrations.AddField(
            model_name="helpfulvote",
            name="thread",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="community.thread",
            ),
        ),
        migrations.RunPython(copy_threads, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="helpfulvote",
            name="thread",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="community.thread"
            ),
        ),
        migrations.AddIndex(
            model_name="helpfulvote",
            index=models.Index(fields=["voter", "thread"], name="helpful_vote_thread"),
        ),
    ]
