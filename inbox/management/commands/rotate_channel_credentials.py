from django.core.management.base import BaseCommand
from django.db import transaction

from inbox.credentials import rotate
from inbox.models import Channel


class Command(BaseCommand):
    help = (
        "Re-encrypt every channel's credentials with the first key of CREDENTIALS_KEYS. Put the new key "
        "first, run this, then remove the old key."
    )

    def handle(self, *args, **options):
        rotated = 0
        with transaction.atomic():
            # Every organization at once: key rotation is an operator's job, not a tenant's.
            for channel in Channel.objects.unscoped().select_for_update().exclude(credentials_encrypted=""):
                channel.credentials_encrypted = rotate(channel.credentials_encrypted)
                channel.save(update_fields=["credentials_encrypted"])
                rotated += 1
        self.stdout.write(self.style.SUCCESS(f"{rotated} channel credentials re-encrypted with the newest key."))
