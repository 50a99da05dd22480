"""Ingestion counts mentions per minute and topic (one upsert a batch); the tick pages on a storm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crisis.models import Alert, MentionBucket
from crisis.services import detection
from inbox.services import mentions_ingest
from tests.factories import ChannelFactory, OrganizationFactory, platform_item

pytestmark = pytest.mark.django_db

STORM = datetime(2026, 11, 22, 2, 0, 20, tzinfo=UTC)  # Sunday, 02:00:20


@pytest.fixture
def channel(organization):
    return ChannelFactory(organization=organization)


def quiet_night(organization, topic_ids=(0,)):
    """An hour of two mentions a minute before the storm (bucket rows, as the counters left them)."""
    MentionBucket.objects.bulk_create([
        MentionBucket(organization=organization, topic_id=topic_id, minute=STORM.replace(second=0) - timedelta(minutes=m),
                      mentions=2, negative=0, reach=20)
        for topic_id in topic_ids for m in range(1, 61)])


def storm(channel, count, *, start=0, text="AD1234 annulé, remboursez-nous !"):
    items = [platform_item(f"storm-{start + n}", f"{text} #{n}", author=f"a{start + n}", followers=50,
                           at=STORM + timedelta(seconds=n * 30 / count)) for n in range(count)]
    return mentions_ingest(channel=channel, items=items, now=STORM + timedelta(seconds=30))


def test_ingestion_counts_each_batch_in_one_upsert_overall_and_per_topic(organization, channel,
                                                                         django_capture_on_commit_callbacks):
    topic = detection.watch_topic_create(organization=organization, name="AD1234", terms=["ad1234"])
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        storm(channel, 40)
    upserts = [q for q in queries.captured_queries if "INSERT INTO crisis_mentionbucket" in q["sql"]]
    assert len(upserts) == 1
    rows = {(b.topic_id, b.minute): b for b in MentionBucket.objects.for_organization(organization)}
    assert rows[(0, STORM.replace(second=0))].mentions == 40
    assert rows[(topic.pk, STORM.replace(second=0))].mentions == 40
    assert rows[(0, STORM.replace(second=0))].reach == 40 * 50
    with django_capture_on_commit_callbacks(execute=True):
        storm(channel, 10, start=100)  # the same minute again: added, not overwritten
    assert MentionBucket.objects.for_organization(organization).get(topic_id=0).mentions == 50


def test_a_storm_pages_within_the_minute_with_a_link_to_its_mentions_and_joins_while_open(
        organization, channel, django_capture_on_commit_callbacks):
    topic = detection.watch_topic_create(organization=organization, name="Vol AD1234", terms=["AD1234"],
                                         channel_ids=[channel.pk])
    quiet_night(organization, (0, topic.pk))
    other = OrganizationFactory()
    quiet_night(other)
    with django_capture_on_commit_callbacks(execute=True):
        storm(channel, 120)
    assert detection.detection_run(now=STORM + timedelta(seconds=30)) == 4  # spike + surge, overall + topic
    spike = Alert.objects.for_organization(organization).get(source="volume_spike", dedup_key=f"volume_spike:topic:{topic.pk}")
    assert spike.title.startswith("Pic de mentions sur Vol AD1234 : 120 mentions")  # in the organization's language
    assert spike.data["url"] == f"/o/{organization.slug}/inbox/?status=all&channel={channel.pk}"
    assert spike.data["started_at"] == STORM.replace(second=0).isoformat()  # the minute found abnormal
    assert Alert.objects.for_organization(organization).filter(source="negative_surge").count() == 2
    assert not Alert.objects.for_organization(other).exists()  # quiet elsewhere
    assert detection.detection_run(now=STORM + timedelta(seconds=40)) == 4  # still storming: joins the open alerts
    assert Alert.objects.for_organization(organization).count() == 4
    spike.refresh_from_db()
    assert spike.occurrences == 2


def test_a_muted_topic_pages_nobody_until_its_mute_ends(organization, channel, lead,
                                                        django_capture_on_commit_callbacks):
    topic = detection.watch_topic_create(organization=organization, name="Grève", terms=["annulé"])
    quiet_night(organization, (0, topic.pk))
    now = STORM + timedelta(seconds=30)
    detection.topic_mute(organization=organization, topic=topic, reason="Strike announced, expected",
                         until=now + timedelta(hours=1), actor=lead, now=now)
    detection.topic_mute(organization=organization, topic=None, reason="Same strike",
                         until=now + timedelta(minutes=1), actor=lead, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        storm(channel, 120)
    assert detection.detection_run(now=now) == 0
    assert not Alert.objects.for_organization(organization).exists()
    # Two minutes on, overall's mute has ended; the topic's has not.
    later = now + timedelta(minutes=1, seconds=10)
    with django_capture_on_commit_callbacks(execute=True):
        items = [platform_item(f"late-{n}", "Vol annulé !!", author=f"l{n}", at=later) for n in range(150)]
        mentions_ingest(channel=channel, items=items, now=later)
    detection.detection_run(now=later)
    keys = set(Alert.objects.for_organization(organization).values_list("dedup_key", flat=True))
    assert "volume_spike:overall" in keys and not any(key.endswith(f"topic:{topic.pk}") for key in keys)


def test_settings_refuse_what_makes_no_sense(organization, lead):
    with pytest.raises(ValidationError) as error:
        detection.watch_topic_create(organization=organization, name="Empty")
    assert "terms" in error.value.message_dict
    other_channel = ChannelFactory(organization=OrganizationFactory())
    with pytest.raises(ValidationError):
        detection.watch_topic_create(organization=organization, name="Theirs", channel_ids=[other_channel.pk])
    with pytest.raises(ValidationError):
        detection.topic_mute(organization=organization, topic=None, reason="", until=STORM, actor=lead, now=STORM)
    with pytest.raises(ValidationError):
        detection.topic_mute(organization=organization, topic=None, reason="x", until=STORM, actor=lead, now=STORM)
    with pytest.raises(ValidationError):
        detection.sensitivity_set(organization=organization, sensitivity="loud")
    assert detection.sensitivity_set(organization=organization, sensitivity=2).sensitivity == 2.0


def test_leads_set_topics_mutes_and_sensitivity_through_the_api_agents_only_read(organization, lead, agent, api_for):
    base = f"/api/v1/o/{organization.slug}"
    api = api_for(lead)
    created = api.post(f"{base}/watch-topics/", {"name": "Bagages", "terms": ["valise", "bagage"]}, format="json")
    assert created.status_code == 201, created.content
    topic_id = created.json()["id"]
    assert api.post(f"{base}/watch-topics/", {"name": "Rien"}, format="json").status_code == 400
    assert api_for(agent).post(f"{base}/watch-topics/", {"name": "X", "terms": ["x"]}, format="json").status_code == 403
    assert [t["name"] for t in api_for(agent).get(f"{base}/watch-topics/").json()] == ["Bagages"]

    until = "2099-01-01T00:00:00Z"
    assert api.post(f"{base}/topic-mutes/", {"topic_id": topic_id, "reason": "Salon du bagage", "until": until},
                    format="json").status_code == 400  # more than 30 days away: a clear refusal
    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    muted = api.post(f"{base}/topic-mutes/", {"topic_id": topic_id, "reason": "Salon du bagage", "until": soon},
                     format="json")
    assert muted.status_code == 201, muted.content
    assert muted.json()["muted_by_id"] == lead.pk
    assert api.post(f"{base}/topic-mutes/", {"topic_id": 999999, "reason": "x", "until": soon},
                    format="json").status_code == 400
    assert api.delete(f"{base}/topic-mutes/{muted.json()['id']}/").status_code == 204
    assert not organization_mutes_active(organization)

    assert api.get(f"{base}/watch-topics/sensitivity/").json() == {"sensitivity": 1.0}
    assert api.put(f"{base}/watch-topics/sensitivity/", {"sensitivity": 9}, format="json").status_code == 400
    assert api.put(f"{base}/watch-topics/sensitivity/", {"sensitivity": 2}, format="json").json() == {"sensitivity": 2.0}
    assert api.delete(f"{base}/watch-topics/{topic_id}/").status_code == 204


def organization_mutes_active(organization):
    from crisis.models import TopicMute

    return TopicMute.objects.for_organization(organization).filter(until__gt=datetime.now(UTC)).exists()


def test_leads_watch_topics_and_mute_false_alarms_on_a_page(organization, lead, agent, client_for):
    from django.urls import reverse

    from crisis import selectors

    url = reverse("detection", kwargs={"organization_slug": organization.slug})
    client = client_for(lead)
    client.post(url, {"action": "topic", "name": "Grève", "terms": "grève, strike"})
    topic = selectors.watch_topics(organization=organization)[0]
    assert topic.terms == ["grève", "strike"]
    until = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    client.post(url, {"action": "mute", "topic": topic.pk, "reason": "Grève annoncée", "until": until})
    response = client.post(url, {"action": "mute", "topic": "", "reason": "", "until": until}, follow=True)
    assert "Say why this is a false alarm." in response.content.decode()
    client.post(url, {"action": "sensitivity", "sensitivity": "1.5"})
    page = client.get(url).content.decode()
    assert "Grève annoncée" in page and 'value="1.5"' in page and "<script>" not in page
    assert detection.sensitivity_of(organization) == 1.5
    mute = selectors.mutes_recent(organization=organization)[0]
    response = client.post(url, {"action": "unmute", "mute": mute.pk}, follow=True)
    assert "Mute ended." in response.content.decode(), response.content.decode()[-3000:]
    assert not organization_mutes_active(organization)
    assert client_for(agent).get(url).status_code == 200  # agents see what is watched and muted
    assert client_for(agent).post(url, {"action": "sensitivity", "sensitivity": "4"}).status_code == 403


def test_the_alert_links_to_the_topics_mentions_in_the_inbox(organization):
    from tests.factories import TagFactory

    tag = TagFactory(organization=organization, name="remboursement")
    by_tag = detection.watch_topic_create(organization=organization, name="Remboursements", tag_ids=[tag.pk])
    by_term = detection.watch_topic_create(organization=organization, name="Grève", terms=["grève"])
    assert detection._inbox_link(organization, by_tag, negative=False).endswith("?status=all&tag=remboursement")
    assert detection._inbox_link(organization, by_term, negative=True).endswith(
        "?status=all&q=gr%C3%A8ve&sentiment=negative")
    assert detection._inbox_link(organization, None, negative=False) == f"/o/{organization.slug}/inbox/?status=all"


def test_options_describes_the_organization_wide_sensitivity(organization, lead, agent, api_for):
    base = f"/api/v1/o/{organization.slug}/watch-topics"
    described = api_for(lead).options(f"{base}/sensitivity/")
    assert described.status_code == 200
    assert "sensitivity" in described.json()["actions"]["PUT"]
    # Someone who may not change it is told what it is, not how to change it.
    assert "actions" not in api_for(agent).options(f"{base}/sensitivity/").json()
    assert "name" in api_for(lead).options(f"{base}/").json()["actions"]["POST"]
