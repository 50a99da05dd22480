"""Dead letters: keyed by item, with how often and when it was last seen; repeats merged.

The unique constraint comes in 0008: PostgreSQL refuses to build an index in the transaction
that just changed the rows."""

import hashlib
import json

import django.utils.timezone
from django.db import migrations, models

ID_KEYS = ("external_id", "id", "uri", "mid", "comment_id")


def key_of(payload):
    # The same rule as inbox.services.ingestion.dead_letter_key, frozen here for the migration.
    if isinstance(payload, dict):
        for name in ID_KEYS:
            value = payload.get(name)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                value = str(value).strip()
                if len(value) <= 280:
                    return f"id:{value}"
    canonical = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def merge_existing(apps, schema_editor):
    """Key the dead letters kept so far; repeats of one item become one letter with their count."""
    DeadLetter = apps.get_model("inbox", "DeadLetter")
    kept = {}
    for letter in DeadLetter.objects.order_by("created_at", "pk").iterator():
        key = (letter.organization_id, letter.channel_id, key_of(letter.payload))
        first = kept.get(key)
        if first is None:
            letter.item_key, letter.last_seen_at = key[2], letter.created_at
            letter.save(update_fields=["item_key", "last_seen_at"])
            kept[key] = letter
            continue
        first.times_seen += 1
        first.last_seen_at = letter.created_at
        first.payload, first.reason = letter.payload, letter.reason
        first.save(update_fields=["times_seen", "last_seen_at", "payload", "reason"])
        letter.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("inbox", "0006_channel_account_once_per_installation"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadletter", name="item_key", field=models.CharField(default="", max_length=300),
            preserve_default=False,
        ),
        migrations.AddField(model_name="deadletter", name="times_seen", field=models.PositiveIntegerField(default=1)),
        migrations.AddField(
            model_name="deadletter", name="last_seen_at", field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(merge_existing, migrations.RunPython.noop),
    ]
