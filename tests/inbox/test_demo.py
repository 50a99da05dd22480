"""The demo as a person uses it: every conversation it shows can be answered, across sandbox restarts."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import Organization, User
from inbox.management.commands.platform_sandbox import start_sandbox
from inbox.models import Channel, Conversation, DeliveryState, Message
from inbox.sandbox import SandboxClient
from inbox.services import reply_compose
from inbox.tasks import poll_channel, send_message


@pytest.fixture
def restarted_sandbox():
    """What `make run` does on its next start: a new sandbox process, on another port."""
    started = []

    def start():
        sandbox, known = start_sandbox("127.0.0.1", 0)
        started.append(sandbox)
        return sandbox, known

    yield start
    for sandbox in started:
        sandbox.stop()


def point_at(settings, url: str) -> None:
    """PLATFORM_SANDBOX_URL, as `make run` exports it to every process."""
    settings.PLATFORM_SANDBOX_URL = url
    settings.PLATFORM_BASE_URLS = {platform: url for platform in ("x", "facebook", "instagram", "mastodon", "bluesky")}


@pytest.mark.django_db
def test_after_a_sandbox_restart_every_demo_conversation_can_be_answered(settings, sandbox, restarted_sandbox):
    point_at(settings, sandbox.base_url)
    call_command("seed_demo")
    organization = Organization.objects.get(slug="airdemo")
    channels = {c.platform: c for c in Channel.objects.for_organization(organization)}
    # Live traffic of the first run, read in through the real connectors.
    sandbox.inject_x_mention("@vigie_brand my bag never arrived", author="late_bag")
    sandbox.inject_facebook_comment("Toujours pas de remboursement", author="Jeanne Roux",
                                    post_id=sandbox.inject_facebook_post("Nos vols d'hiver")["id"])
    for platform in ("x", "facebook"):
        assert poll_channel(channels[platform].pk) >= 1

    first_run, _ = restarted_sandbox()
    point_at(settings, first_run.base_url)
    first_run.stop()  # the sandbox dies: the next one knows only what the inbox holds
    second_run, known = restarted_sandbox()
    point_at(settings, second_run.base_url)
    call_command("seed_demo")  # make run seeds at every start: channels follow the sandbox's new address

    conversations = list(Conversation.objects.for_organization(organization).exclude(channel__platform="web")
                         .select_related("channel").order_by("pk"))
    assert known >= len(conversations) >= 320
    assert {c.channel.platform for c in conversations} == {"x", "facebook", "instagram", "mastodon", "bluesky"}
    assert {c.is_private for c in conversations} == {True, False}
    # The lead answers (the demo's guides send a new agent's sensitive replies for approval first),
    # in each customer's language, as the guides want.
    lead = User.objects.get(email="lead@airdemo.example")
    texts = {"en": "Hello, thank you for your message: we are looking into your file right now ({n}). Louis",
             "fr": "Bonjour, merci pour votre message : nous regardons votre dossier tout de suite ({n}). Louis"}
    failed = []
    for n, conversation in enumerate(conversations):
        message = reply_compose(conversation=conversation, author=lead,
                                text=texts.get(conversation.language, texts["fr"]).format(n=n))
        assert isinstance(message, Message), message  # queued, not held
        outcome = send_message.apply(args=[message.pk]).get()
        message.refresh_from_db()
        if outcome != "sent" or message.state != DeliveryState.SENT:
            failed.append((conversation.channel.platform, conversation.thread_key, message.error))
    assert failed == []
    client = SandboxClient(second_run.base_url)
    posted = sum(len(client.posted(platform)) for platform in ("x", "facebook", "instagram", "mastodon", "bluesky"))
    assert posted == len(conversations)
