from django.db import migrations, models


class Migration(migrations.Migration):
    """Re-share velocity: the re-shares counted on each minute's mentions (added to the minute buckets)."""

    dependencies = [
        ("crisis", "0009_storm_clusters"),
    ]

    operations = [
        migrations.AddField(
            model_name="mentionbucket",
            name="reshares",
            field=models.BigIntegerField(default=0, db_default=0),
        ),
    ]
