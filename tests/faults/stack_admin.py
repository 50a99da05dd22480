"""Run inside the private stack's environment (a subprocess): prepares the database, ingests.

`python -m tests.faults.stack_admin setup --sandbox URL` migrates, creates an organization, an
agent (password PASSWORD, an API token) and an X channel polled every second from the sandbox,
and prints them as JSON. `... ingest --channel ID --external-id ID --text TEXT` ingests one
mention the way a worker would (its live event is dropped if Redis is down). Used by
tests/faults and bench/chaos.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PASSWORD = "correct horse battery staple"


def setup(sandbox_url: str, slug: str) -> dict:
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import Membership, Organization, User
    from accounts.roles import Role
    from inbox.credentials import encrypt_credentials
    from inbox.models import Channel, Platform
    from inbox.sandbox import SandboxClient

    call_command("migrate", verbosity=0, interactive=False)
    x = SandboxClient(sandbox_url).config()["x"]
    organization = Organization.objects.create(name=f"Chaos {slug}", slug=slug)
    user = User.objects.create_user(email=f"agent@{slug}.example", password=PASSWORD, full_name="Camille Martin",
                                    language="en")
    Membership.objects.create(organization=organization, user=user, role=Role.AGENT)
    token = Token.objects.create(user=user)
    channel = Channel.objects.unscoped().create(
        organization=organization, platform=Platform.X, handle=f"@{x['username']}", external_account_id=x["user_id"],
        connection={"base_url": sandbox_url, "user_id": x["user_id"], "username": x["username"], "timeout": 3.0},
        credentials_encrypted=encrypt_credentials({"bearer_token": "sandbox", "consumer_secret": x["consumer_secret"]}),
        poll_interval_seconds=1, next_poll_at=timezone.now())
    # What a browser holds after /login/: websocket clients present it as the sessionid cookie.
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"organization": slug, "email": user.email, "password": PASSWORD, "token": token.key,
            "channel_id": channel.pk, "session_key": session.session_key}


def ingest(channel_id: int, external_id: str, text: str) -> dict:
    from inbox.connectors.base import PlatformAuthor, PlatformItem
    from inbox.models import Channel
    from inbox.services import mentions_ingest

    channel = Channel.objects.unscoped().select_related("organization").get(pk=channel_id)
    item = PlatformItem(external_id=external_id, kind="mention", text=text,
                        author=PlatformAuthor(external_id=f"author-{external_id}", handle="@voyageur",
                                              name="Voyageur", followers=10),
                        created_at=datetime.now(UTC), thread_external_id=None, parent_external_id=None,
                        is_private=False, raw={"id": external_id})
    result = mentions_ingest(channel=channel, items=[item])
    return {"created": result.created}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    set_up = commands.add_parser("setup")
    set_up.add_argument("--sandbox", required=True)
    set_up.add_argument("--slug", default="chaos")
    ingest_one = commands.add_parser("ingest")
    ingest_one.add_argument("--channel", type=int, required=True)
    ingest_one.add_argument("--external-id", required=True)
    ingest_one.add_argument("--text", required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    if args.command == "setup":
        result = setup(args.sandbox, args.slug)
    else:
        result = ingest(args.channel, args.external_id, args.text)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
