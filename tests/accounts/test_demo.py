"""`make run` seeds the demo with `seed_demo`: it must work on an empty database and twice in a row."""

import pytest
from django.core.management import call_command

from accounts.models import Membership, Organization
from inbox.models import Channel, Conversation, Message


@pytest.mark.django_db
def test_seed_demo_builds_a_normal_day_and_is_idempotent(capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "agent@airdemo.example" in output and "vigie-demo-2026" in output
    organization = Organization.objects.get(slug="airdemo")
    roles = set(Membership.objects.for_organization(organization).values_list("role", flat=True))
    assert roles == {"admin", "lead", "agent", "executive", "viewer"}
    conversations = Conversation.objects.for_organization(organization)
    assert conversations.count() >= 300
    assert set(conversations.values_list("language", flat=True)) >= {"fr", "en"}
    assert {"new", "open", "pending", "closed"} <= set(conversations.values_list("status", flat=True))
    assert Message.objects.for_organization(organization).filter(direction="out", state="sent").exists()
    platforms = set(Channel.objects.for_organization(organization).values_list("platform", flat=True))
    assert platforms == {"x", "facebook", "instagram", "mastodon", "bluesky", "web"}
    counts = (conversations.count(), Message.objects.for_organization(organization).count())

    call_command("seed_demo")
    assert (conversations.count(), Message.objects.for_organization(organization).count()) == counts
