"""One dead letter per item and channel; the recent list sorted by last sighting."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0007_dead_letters_counted"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="deadletter", name="dead_letter_recent"),
        migrations.AddIndex(
            model_name="deadletter",
            index=models.Index(fields=["organization", "-last_seen_at"], name="dead_letter_recent"),
        ),
        migrations.AddConstraint(
            model_name="deadletter",
            constraint=models.UniqueConstraint(fields=("organization", "channel", "item_key"),
                                               name="dead_letter_once_per_item"),
        ),
    ]
