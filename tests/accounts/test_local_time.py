"""Times in the reader's time zone (the profile's, else the organization's), the zone named."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from tests.factories import ConversationFactory, MessageFactory, member

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _snooze_choice(page: str, label_start: str) -> str:
    return re.search(r'<button type="submit" value="([^"]+)">' + re.escape(label_start), page).group(1)


@pytest.mark.parametrize("language,label,until", [("en", "Tomorrow 9:00 (Paris)", "until"),
                                                   ("fr", "Demain 9 h (Paris)", "jusqu'à")])
def test_a_snooze_until_tomorrow_9_is_shown_at_9_paris_time(client, organization, language, label, until):
    agent = member(organization, Role.AGENT, email="snoozer@airdemo.example", language=language)
    conversation = ConversationFactory(organization=organization, status="open")
    client.force_login(agent)
    url = reverse("conversation", kwargs={"organization_slug": organization.slug, "pk": conversation.pk})
    value = _snooze_choice(client.get(url).content.decode(), label)
    client.post(reverse("conversation-act", kwargs={"organization_slug": organization.slug, "pk": conversation.pk}),
                {"action": "snooze", "snoozed_until": value})
    conversation.refresh_from_db()
    woken = conversation.snoozed_until.astimezone(PARIS)
    assert (woken.hour, woken.minute) == (9, 0)
    assert woken.date() == timezone.now().astimezone(PARIS).date() + timedelta(days=1)
    header = client.get(reverse("conversation-header", kwargs={"organization_slug": organization.slug,
                                                               "pk": conversation.pk})).content.decode()
    assert f"{until} " in header and "09:00 (Paris)" in header
    # The activity says it in words, in the same time.
    side = client.get(reverse("conversation-side", kwargs={"organization_slug": organization.slug,
                                                           "pk": conversation.pk})).content.decode()
    assert "09:00 (Paris)" in side and "→ snoozed" not in side


def test_a_profile_time_zone_wins_over_the_organizations(client, organization):
    agent = member(organization, Role.AGENT, email="traveller@airdemo.example")
    client.force_login(agent)
    response = client.post(reverse("profile"), {"full_name": "Traveller", "language": "en",
                                                "time_zone": "America/New_York"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.time_zone == "America/New_York"
    conversation = ConversationFactory(organization=organization, status="snoozed",
                                       snoozed_until=datetime(2030, 1, 10, 8, 0, tzinfo=PARIS))
    header = client.get(reverse("conversation-header", kwargs={"organization_slug": organization.slug,
                                                               "pk": conversation.pk})).content.decode()
    assert "02:00 (New York)" in header
    page = client.get(reverse("conversation", kwargs={"organization_slug": organization.slug,
                                                      "pk": conversation.pk})).content.decode()
    assert "Tomorrow 9:00 (New York)" in page


def test_an_unknown_time_zone_is_refused(client, agent):
    client.force_login(agent)
    response = client.post(reverse("profile"), {"language": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.time_zone == ""


def test_the_language_switcher_saves_the_choice_to_the_profile(client, agent, organization):
    client.force_login(agent)
    inbox = reverse("inbox", kwargs={"organization_slug": organization.slug})
    assert 'data-testid="language-switcher"' in client.get(inbox).content.decode()
    response = client.post(reverse("profile-language"), {"language": "fr", "next": inbox})
    assert response.status_code == 302 and response["Location"] == inbox
    agent.refresh_from_db()
    assert agent.language == "fr"
    assert '<html lang="fr">' in client.get(inbox).content.decode()
    # Not to another site.
    assert client.post(reverse("profile-language"), {"language": "en", "next": "https://evil.example/"})["Location"] == "/"


def test_thread_times_are_in_the_organizations_zone(client, agent, organization):
    conversation = ConversationFactory(organization=organization, status="open")
    MessageFactory(conversation=conversation, created_at=datetime(2030, 1, 10, 8, 30, tzinfo=ZoneInfo("UTC")))
    client.force_login(agent)
    thread = client.get(reverse("conversation-thread", kwargs={"organization_slug": organization.slug,
                                                               "pk": conversation.pk})).content.decode()
    assert "10/01 09:30" in thread and "10/01 08:30" not in thread


def test_the_sla_badge_says_when_the_first_response_is_due_in_local_time(client, agent, organization):
    from inbox.templatetags.inbox_tags import sla_badge

    due = datetime(2030, 1, 10, 8, 30, tzinfo=ZoneInfo("UTC"))
    conversation = ConversationFactory(organization=organization, status="open", sla_due_at=due)
    timezone.activate(PARIS)
    try:
        badge = sla_badge(conversation, due - timedelta(hours=1))
    finally:
        timezone.deactivate()
    assert "09:30 (Paris)" in badge and "UTC" not in badge
