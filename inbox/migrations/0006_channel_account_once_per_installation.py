"""A brand account belongs to one organization on an installation.

Before the constraint: Mastodon ids become instance-qualified (a bare "brand" is the instance's own
account, and two instances' "brand" are different accounts), and an account already connected in
several organizations stays with the organization that connected it first; the later channels
stop (needs reconnect) with a reason that names no organization, and their id is set aside so the
constraint holds until an admin removes them.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations, models

DUPLICATE_REASON = ("This brand account is connected in another organization, which connected it first: "
                    "one account cannot be shared between organizations. Remove this channel.")


def qualify_mastodon_and_set_duplicates_aside(apps, schema_editor):
    Channel = apps.get_model("inbox", "Channel")
    default_base = settings.PLATFORM_BASE_URLS.get("mastodon", "")
    for channel in Channel.objects.filter(platform="mastodon").exclude(external_account_id__contains="@"):
        base_url = (channel.connection or {}).get("base_url") or default_base
        host = (urlsplit(base_url).hostname or "").lower()
        if host:
            channel.external_account_id = f"{channel.external_account_id}@{host}"[:128]
            channel.save(update_fields=["external_account_id"])
    seen: set[tuple[str, str]] = set()
    for channel in Channel.objects.exclude(platform="web").order_by("created_at", "pk"):
        key = (channel.platform, channel.external_account_id)
        if key not in seen:
            seen.add(key)
            continue
        channel.external_account_id = f"{channel.external_account_id[:100]}#set-aside-{channel.pk}"
        channel.status = "needs_reconnect"
        channel.status_reason = channel.last_poll_error = DUPLICATE_REASON
        channel.next_poll_at = None
        channel.save(update_fields=["external_account_id", "status", "status_reason", "last_poll_error",
                                    "next_poll_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('inbox', '0005_webhook_tokens_and_deliveries'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(qualify_mastodon_and_set_duplicates_aside, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='channel',
            constraint=models.UniqueConstraint(condition=models.Q(('platform', 'web'), _negated=True), fields=('platform', 'external_account_id'), name='channel_account_once_per_installation'),
        ),
    ]
