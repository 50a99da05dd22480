"""Re-share velocity: a post spreading fast pages before the mentions pile up; steady sharing does not."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from crisis import detection
from crisis.detection import Minute
from crisis.models import Alert, MentionBucket
from crisis.services import detection as detection_services
from inbox.connectors.mastodon import status_item
from inbox.services import mentions_ingest
from tests.crisis.test_detection import WEEK, judge, poisson, rate
from tests.crisis.test_detection_services import STORM, quiet_night
from tests.factories import ChannelFactory, platform_item


def shared_minute(rng: random.Random, lam: float) -> Minute:
    """A minute of ordinary traffic: most posts are never re-shared, one in ten a little, one in a
    hundred a few dozen times (heavy-tailed, as on the platforms)."""
    mentions = poisson(rng, lam)
    reshares = 0
    for _ in range(mentions):
        draw = rng.random()
        reshares += rng.randint(20, 80) if draw < 0.01 else rng.randint(1, 5) if draw < 0.1 else 0
    return Minute(mentions, 0, 0, reshares)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_steady_week_of_ordinary_sharing_raises_no_reshare_surge(seed):
    rng = random.Random(seed)
    stream = [shared_minute(rng, rate(m)) for m in range(5 * WEEK)]
    assert [at for at in range(4 * WEEK, 5 * WEEK) if judge(stream, at).reshare_surge] == []


def test_a_viral_post_raises_a_reshare_surge_before_any_volume_spike():
    rng = random.Random(7)
    stream = [shared_minute(rng, rate(m)) for m in range(5 * WEEK)]
    at = 4 * WEEK + 3 * 24 * 60 + 14 * 60 + 5  # a Thursday afternoon
    ordinary = stream[at]
    viral = Minute(ordinary.mentions, ordinary.negative, ordinary.reach, ordinary.reshares + 3000)
    verdict = judge(stream, at, current=viral)
    assert verdict.reshare_surge and not verdict.spike
    assert verdict.reshares == viral.reshares and verdict.reshare_threshold < 3000
    # A less sensitive organization needs more: 2.0 doubles the margins (and the minimum).
    assert not judge(stream, at, current=Minute(ordinary.mentions, 0, 0, 350), sensitivity=2.0).reshare_surge


def test_without_history_a_few_reshares_are_no_surge():
    quiet = [Minute(2, 0, 0, 0)] * 60
    assert not detection.evaluate(current=Minute(3, 0, 0, 40), recent=quiet, history=[]).reshare_surge
    assert detection.evaluate(current=Minute(3, 0, 0, 400), recent=quiet, history=[]).reshare_surge


def test_connectors_read_the_platforms_reshare_counts():
    from inbox.connectors.webhooks import parse_x_payload
    from inbox.connectors.x import items_from_tweets

    # X API v2: public_metrics.retweet_count + quote_count are re-shares; likes are reach only.
    tweet = {"id": "1", "text": "@brand AD1234 ?", "author_id": "9", "created_at": "2026-11-22T02:00:00.000Z",
             "public_metrics": {"retweet_count": 40, "quote_count": 2, "like_count": 100, "reply_count": 3}}
    item, = items_from_tweets({"data": [tweet], "includes": {"users": [{"id": "9", "username": "camille"}]}})
    assert item.reshares == 42 and item.reach == 142
    # Mastodon: a status's reblogs_count (boosts).
    status = {"id": "5", "content": "<p>@brand AD1234 ?</p>", "created_at": "2026-11-22T02:00:00Z",
              "account": {"acct": "camille@example.social", "display_name": "Camille"}, "reblogs_count": 12,
              "favourites_count": 30, "visibility": "public"}
    assert status_item({"id": "77", "status": status}).reshares == 12
    # X Account Activity (v1.1 shape): retweet_count + quote_count.
    event = {"for_user_id": "1000", "tweet_create_events": [{
        "id_str": "2", "text": "@brand AD1234 ?", "created_at": "Sun Nov 22 02:00:00 +0000 2026",
        "user": {"id_str": "9", "screen_name": "camille"}, "retweet_count": 7, "quote_count": 1, "favorite_count": 3}]}
    webhook_item, = parse_x_payload(event)
    assert webhook_item.reshares == 8


@pytest.mark.django_db
def test_ingestion_counts_reshares_per_minute_and_the_tick_pages_on_a_viral_post(
        organization, django_capture_on_commit_callbacks):
    channel = ChannelFactory(organization=organization)
    quiet_night(organization)
    items = [platform_item(f"viral-{n}", "AD1234 : ils ont perdu ma valise", author=f"v{n}",
                           at=STORM + timedelta(seconds=n), reshares=900) for n in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        mentions_ingest(channel=channel, items=items, now=STORM + timedelta(seconds=10))
    assert MentionBucket.objects.for_organization(organization).get(topic_id=0, minute=STORM.replace(second=0)).reshares == 3600
    assert detection_services.detection_run(now=STORM + timedelta(seconds=30)) == 1
    alert = Alert.objects.for_organization(organization).get()
    assert alert.dedup_key == "reshare_surge:overall" and alert.source == "volume_spike"
    assert alert.data["signal"] == "reshares" and alert.data["reshares"] == 3600


@pytest.mark.django_db
def test_a_muted_organization_is_not_paged_for_a_viral_post(organization, lead, django_capture_on_commit_callbacks):
    channel = ChannelFactory(organization=organization)
    quiet_night(organization)
    now = STORM + timedelta(seconds=30)
    detection_services.topic_mute(organization=organization, topic=None, reason="Our own campaign going viral",
                                  until=now + timedelta(hours=1), actor=lead, now=now)
    items = [platform_item(f"viral-{n}", "Regardez cette vidéo", author=f"v{n}", at=STORM, reshares=5000)
             for n in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        mentions_ingest(channel=channel, items=items, now=STORM + timedelta(seconds=10))
    assert detection_services.detection_run(now=now) == 0
    assert not Alert.objects.for_organization(organization).exists()


def test_an_account_whose_mentions_are_often_reshared_learns_it():
    """A big brand: one minute in ten carries a post re-shared about 300 times. That is its normal."""
    rng = random.Random(11)
    stream = [Minute(5, 0, 0, rng.randint(250, 350) if rng.random() < 0.1 else rng.randint(0, 5))
              for _ in range(5 * WEEK)]
    at = 4 * WEEK + 2 * 24 * 60 + 10 * 60 + 30
    assert not [m for m in range(at, at + 60) if judge(stream, m).reshare_surge]
    assert not judge(stream, at, current=Minute(5, 0, 0, 400)).reshare_surge
    assert judge(stream, at, current=Minute(5, 0, 0, 3000)).reshare_surge
