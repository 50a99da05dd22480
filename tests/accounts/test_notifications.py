"""Mentions that notify (issue 10, item 5): an @mention in a note reaches the colleague's
notification centre at once (live), is marked read there, and is e-mailed once when they stay
offline; "Mentions me" and "My drafts" list the conversations concerned."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import live, notifications
from accounts.models import Notification
from accounts.roles import Role
from inbox import services
from tests.factories import ConversationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(monkeypatch):
    sent = []
    monkeypatch.setattr(live, "broadcast_now", lambda **kwargs: sent.append(kwargs))
    return sent


@pytest.fixture
def team(organization):
    camille = member(organization, Role.AGENT, email="camille@airdemo.example", full_name="Camille Martin",
                     language="en")
    alex = member(organization, Role.AGENT, email="alex@airdemo.example", full_name="Alex Morgan", language="fr")
    return camille, alex


@pytest.fixture
def conversation(organization):
    return ConversationFactory(organization=organization, preview="Valise perdue", contact__handle="@marie_l")


def url(name, organization):
    return reverse(name, kwargs={"organization_slug": organization.slug})


def test_a_mention_notifies_the_colleague_at_once_in_their_language(organization, team, conversation, events,
                                                                     django_capture_on_commit_callbacks):
    camille, alex = team
    with django_capture_on_commit_callbacks(execute=True):
        note = services.note_add(conversation=conversation, author=camille, text="@alex peux-tu rappeler Marie ?")
    notification = Notification.objects.for_organization(organization).get()
    assert notification.recipient == alex and notification.kind == "mention"
    assert notification.title.startswith("Camille Martin vous a mentionné dans une note sur la conversation de @marie_l")
    assert notification.link.endswith(f"/inbox/{conversation.pk}/#note-{note.pk}")
    pushed = [e for e in events if e["topic"] == f"user.{alex.pk}"]
    assert pushed and pushed[0]["event"]["type"] == "notification" and pushed[0]["event"]["title"] == notification.title
    assert notifications.unread_count(organization_id=organization.pk, user=alex) == 1
    assert notifications.unread_count(organization_id=organization.pk, user=camille) == 0


def test_mentioning_oneself_notifies_nobody(organization, team, conversation):
    camille, _alex = team
    services.note_add(conversation=conversation, author=camille, text="@camille pense-bête")
    assert not Notification.objects.for_organization(organization).exists()


def test_the_centre_lists_and_marks_read_only_ones_own(client_for, organization, other_organization, team,
                                                       conversation):
    camille, alex = team
    services.note_add(conversation=conversation, author=camille, text="@alex regarde ça")
    services.note_add(conversation=conversation, author=alex, text="@camille vu")
    client = client_for(alex)
    page = client.get(url("inbox", organization)).content.decode()
    assert re.search(r'data-testid="notification-count"\s*>1</span>', page)
    listing = client.get(url("notifications", organization)).content.decode()
    assert "vous a mentionné" in listing and "Camille Martin" in listing
    mine = Notification.objects.for_organization(organization).get(recipient=alex)
    theirs = Notification.objects.for_organization(organization).get(recipient=camille)
    # Someone else's id is ignored, not marked.
    assert client.post(url("notifications", organization), {"ids": str(theirs.pk)}).json() == {"unread": 1}
    assert client.post(url("notifications", organization), {"ids": str(mine.pk)}).json() == {"unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(url("notifications", organization), {"ids": "1;2"})
    assert response.status_code == 400 and "séparés par des virgules" in response.content.decode()


def test_an_unseen_mention_is_emailed_once_after_a_few_minutes(organization, team, conversation):
    camille, alex = team
    cache.delete(notifications._online_key(alex.pk))
    services.note_add(conversation=conversation, author=camille, text="@alex urgent : client VIP")
    now = timezone.now()
    assert notifications.notifications_email_unseen(now=now + timedelta(minutes=1)) == 0  # too early
    assert notifications.notifications_email_unseen(now=now + timedelta(minutes=6)) == 1
    assert notifications.notifications_email_unseen(now=now + timedelta(minutes=7)) == 0  # once
    [email] = mail.outbox
    assert email.to == ["alex@airdemo.example"]
    assert "vous a mentionné" in email.subject
    assert f"/inbox/{conversation.pk}/#note-" in email.body and "Pour l'ouvrir" in email.body


def test_no_email_while_online_nor_once_read(organization, team, conversation):
    camille, alex = team
    services.note_add(conversation=conversation, author=alex, text="@camille tu peux regarder ?")
    notifications.mark_online(user_id=camille.pk)
    later = timezone.now() + timedelta(minutes=10)
    assert notifications.notifications_email_unseen(now=later) == 0
    notifications.notifications_mark_read(organization_id=organization.pk, user=camille)
    cache.delete(notifications._online_key(camille.pk))
    assert notifications.notifications_email_unseen(now=later) == 0
    assert mail.outbox == []


def test_mentions_me_and_my_drafts_views(client_for, organization, team, conversation):
    camille, alex = team
    other = ConversationFactory(organization=organization, preview="Autre sujet")
    drafted = ConversationFactory(organization=organization, preview="Brouillon en cours")
    services.note_add(conversation=conversation, author=camille, text="@alex à toi")
    services.draft_save(conversation=drafted, author=alex, text="Bonjour…")
    services.draft_save(conversation=other, author=camille, text="Pas le mien")
    client = client_for(alex)
    mentions = client.get(url("inbox", organization), {"mentions": "me", "status": "all"}).content.decode()
    assert "Valise perdue" in mentions and "Autre sujet" not in mentions and "Brouillon en cours" not in mentions
    drafts = client.get(url("inbox", organization), {"drafts": "me", "status": "all"}).content.decode()
    assert "Brouillon en cours" in drafts and "Autre sujet" not in drafts and "Valise perdue" not in drafts
    assert "Me mentionnent" in mentions and "Mes brouillons" in mentions


def test_redis_away_neither_breaks_the_socket_nor_stops_the_email(organization, team, conversation, monkeypatch):
    """Online marking is best effort: with the cache unreachable the person counts as offline."""
    from django.core.cache import cache

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(cache, "set", unreachable)
    monkeypatch.setattr(cache, "get", unreachable)
    camille, alex = team
    notifications.mark_online(user_id=alex.pk)  # no exception reaches the websocket
    services.note_add(conversation=conversation, author=camille, text="@alex dossier urgent")
    assert notifications.notifications_email_unseen(now=timezone.now() + timedelta(minutes=6)) == 1
