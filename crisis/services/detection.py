"""Detection at work: ingestion counts mentions per minute and topic, the beat tick judges them.

Counting is one upsert per ingested batch (whatever its size) into PostgreSQL minute buckets, so
the cost per mention is constant and the counters live through a Redis loss and the storm itself.
The tick reads, per organization with fresh counters, the last hour and the same hour of the past
weeks, asks `crisis.detection` for a verdict per topic and overall, and raises an alert (joined,
not repeated, while it is open: one dedup key per topic and signal) unless the topic is muted.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from inbox.services.ingestion import IngestedMention

from .. import detection
from ..models import AlertSeverity, AlertSource, DetectorSettings, MentionBucket, TopicMute, WatchTopic
from .alerts import alert_raise

logger = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
WEEK = timedelta(weeks=1)
OVERALL = 0

_UPSERT = """
INSERT INTO crisis_mentionbucket (organization_id, topic_id, minute, mentions, negative, reach, reshares)
SELECT %s, * FROM unnest(%s::int[], %s::timestamptz[], %s::int[], %s::int[], %s::bigint[], %s::bigint[])
ON CONFLICT (organization_id, topic_id, minute) DO UPDATE SET
    mentions = crisis_mentionbucket.mentions + EXCLUDED.mentions,
    negative = crisis_mentionbucket.negative + EXCLUDED.negative,
    reach = crisis_mentionbucket.reach + EXCLUDED.reach,
    reshares = crisis_mentionbucket.reshares + EXCLUDED.reshares
"""


def floor_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def topic_matches(topic: WatchTopic, mention: IngestedMention, folded_text: str) -> bool:
    return (mention.channel_id in topic.channel_ids or not mention.tag_ids.isdisjoint(topic.tag_ids)
            or any(term.casefold() in folded_text for term in topic.terms))


def mentions_count(*, organization_id: int, mentions: list[IngestedMention]) -> int:
    """Add a batch to the minute buckets (overall and per matching topic). Returns the rows touched."""
    if not mentions:
        return 0
    topics = list(WatchTopic.objects.for_organization(organization_id).only("terms", "tag_ids", "channel_ids"))
    counts: dict[tuple[int, datetime], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for mention in mentions:
        minute = floor_minute(mention.created_at)
        folded = mention.text.casefold() if topics else ""
        for topic_id in [OVERALL, *(t.pk for t in topics if topic_matches(t, mention, folded))]:
            row = counts[(topic_id, minute)]
            row[0] += 1
            row[1] += int(mention.negative)
            row[2] += mention.reach
            row[3] += mention.reshares
    keys = sorted(counts)  # a fixed order: two batches upserting the same minutes never deadlock
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [organization_id, [k[0] for k in keys], [k[1] for k in keys],
                                 [counts[k][0] for k in keys], [counts[k][1] for k in keys], [counts[k][2] for k in keys],
                                 [counts[k][3] for k in keys]])
    return len(keys)


def on_mentions_ingested(organization_id: int, mentions: list[IngestedMention]) -> None:
    mentions_count(organization_id=organization_id, mentions=mentions)


def _minutes(rows: dict[datetime, detection.Minute], start: datetime, count: int) -> list[detection.Minute]:
    empty = detection.Minute()
    return [rows.get(start + i * MINUTE, empty) for i in range(count)]


def _inbox_link(organization: Organization, topic: WatchTopic | None, *, negative: bool) -> str:
    """The inbox filtered on the mentions that caused the alert. The inbox's filters combine with
    AND while a topic matches any of its criteria, so the link uses one kind: channels, else tags,
    else the first term as a search."""
    params: list[tuple[str, str]] = [("status", "all")]
    if topic is not None:
        if topic.channel_ids:
            params += [("channel", str(c)) for c in topic.channel_ids]
        elif topic.tag_ids:
            from inbox.models import Tag

            params += [("tag", name) for name in Tag.objects.for_organization(organization)
                       .filter(pk__in=topic.tag_ids).order_by("name").values_list("name", flat=True)]
        elif topic.terms:
            params.append(("q", topic.terms[0]))
    if negative:
        params.append(("sentiment", "negative"))
    return f"{reverse('inbox', kwargs={'organization_slug': organization.slug})}?{urlencode(params)}"


def detection_run(*, now: datetime | None = None, organization_id: int | None = None) -> int:
    """The beat tick: judge every organization that counted mentions in the last minutes. Returns alerts raised.

    `organization_id` judges that one only: a drill on its simulated clock judges its own organization,
    never another's counters at a time that is not theirs."""
    now = now or timezone.now()
    current_minute = floor_minute(now)
    active = (MentionBucket.objects.unscoped().filter(topic_id=OVERALL, minute__gte=current_minute - 2 * MINUTE)
              .values_list("organization_id", flat=True).distinct())
    if organization_id is not None:
        active = active.filter(organization_id=organization_id)
    raised = 0
    for organization in Organization.objects.filter(pk__in=list(active)):
        try:
            raised += _judge(organization, now)
        except Exception:  # noqa: BLE001 - one organization's failure must not blind the others
            logger.exception("detection failed for organization %s", organization.pk)
    return raised


def _judge(organization: Organization, now: datetime) -> int:
    current_minute = floor_minute(now)
    hour = current_minute.replace(minute=0)
    recent_start = current_minute - detection.FALLBACK_MINUTES * MINUTE
    first = (MentionBucket.objects.for_organization(organization).filter(topic_id=OVERALL)
             .order_by("minute").values_list("minute", flat=True).first())
    weeks = [k for k in range(1, detection.LOOKBACK_WEEKS + 1) if first is not None and first <= hour - k * WEEK]
    window = Q(minute__gte=recent_start, minute__lte=current_minute)
    for k in weeks:
        window |= Q(minute__gte=hour - k * WEEK, minute__lt=hour - k * WEEK + timedelta(hours=1))
    rows: dict[int, dict[datetime, detection.Minute]] = defaultdict(dict)
    for topic_id, minute, mentions, negative, reach, reshares in (
            MentionBucket.objects.for_organization(organization).filter(window)
            .values_list("topic_id", "minute", "mentions", "negative", "reach", "reshares")):
        rows[topic_id][minute] = detection.Minute(mentions, negative, reach, reshares)

    sensitivity = sensitivity_of(organization)
    mutes = list(TopicMute.objects.for_organization(organization).filter(until__gt=now))
    muted = {mute.topic_id or OVERALL for mute in mutes}
    topics: dict[int, WatchTopic | None] = {OVERALL: None}
    topics.update({t.pk: t for t in WatchTopic.objects.for_organization(organization)})
    raised = 0
    for topic_id, topic in topics.items():
        if topic_id in muted or topic_id not in rows:
            continue
        series = rows[topic_id]
        # The busier of the minute being filled and the last complete one: a tick right after a
        # minute turns must still see the minute that just ended.
        filling, ended = series.get(current_minute, detection.Minute()), series.get(current_minute - MINUTE, detection.Minute())
        current = max(filling, ended, key=lambda m: m.mentions)
        judged_minute = current_minute if current is filling else current_minute - MINUTE
        current = replace(current, reshares=max(filling.reshares, ended.reshares))
        verdict = detection.evaluate(
            current=current,
            recent=_minutes(series, recent_start, detection.FALLBACK_MINUTES),
            history=[_minutes(series, hour - k * WEEK, 60) for k in weeks],
            sensitivity=sensitivity,
        )
        raised += _alert(organization, topic, verdict, now, judged_minute)
    return raised


def _alert(organization: Organization, topic: WatchTopic | None, verdict: detection.Verdict, now: datetime,
           judged_minute: datetime | None = None) -> int:
    raised = 0
    key = f"topic:{topic.pk}" if topic else "overall"
    # The minute found abnormal: where the storm began, as far as the counters can tell (a crisis
    # declared from this alert starts its clock there, so time to detection is measured, not zero).
    began = {"started_at": (judged_minute or floor_minute(now)).isoformat()}
    with translation.override(organization.language):
        name = topic.name if topic else _("all mentions")
        if verdict.spike:
            title = _("Mention spike on %(topic)s: %(count)s mentions this minute (usually %(usual)s)") % {
                "topic": name, "count": verdict.mentions, "usual": round(verdict.baseline.expected)}
            alert_raise(organization=organization, source=AlertSource.VOLUME_SPIKE, now=now,
                        severity=AlertSeverity.CRITICAL if verdict.critical else AlertSeverity.HIGH,
                        title=title[:200], dedup_key=f"volume_spike:{key}",
                        data={**began, "count": verdict.mentions, "threshold": round(verdict.threshold, 1),
                              "topic_id": topic.pk if topic else None,
                              "url": _inbox_link(organization, topic, negative=False)})
            raised += 1
        if verdict.surge:
            title = _("Negative surge on %(topic)s: %(share)s%% negative (usually %(usual)s%%)") % {
                "topic": name, "share": round(100 * verdict.negative_share),
                "usual": round(100 * verdict.baseline.negative_share)}
            alert_raise(organization=organization, source=AlertSource.NEGATIVE_SURGE, now=now,
                        severity=AlertSeverity.HIGH, title=title[:200], dedup_key=f"negative_surge:{key}",
                        data={**began, "share": round(verdict.negative_share, 3),
                              "topic_id": topic.pk if topic else None,
                              "url": _inbox_link(organization, topic, negative=True)})
            raised += 1
        if verdict.reshare_surge:
            # Raised as a volume spike (its own dedup key): routing rules written for spikes page
            # for it too, and a re-share storm is a volume storm that has not reached the inbox yet.
            title = _("Re-share surge on %(topic)s: %(count)s re-shares this minute (usually %(usual)s)") % {
                "topic": name, "count": verdict.reshares, "usual": round(verdict.baseline.reshares_expected)}
            alert_raise(organization=organization, source=AlertSource.VOLUME_SPIKE, now=now,
                        severity=AlertSeverity.HIGH, title=title[:200], dedup_key=f"reshare_surge:{key}",
                        data={**began, "signal": "reshares", "reshares": verdict.reshares,
                              "threshold": round(verdict.reshare_threshold, 1),
                              "topic_id": topic.pk if topic else None,
                              "url": _inbox_link(organization, topic, negative=False)})
            raised += 1
    return raised


# Watch topics, mutes and sensitivity: what leads and admins set.

def _clean_ids(organization: Organization, model, ids, field: str) -> list[int]:
    try:
        wanted = sorted({int(i) for i in ids or []})
    except (TypeError, ValueError):
        raise ValidationError({field: _("Use numeric ids.")}) from None
    found = set(model.objects.for_organization(organization).filter(pk__in=wanted).values_list("pk", flat=True))
    if set(wanted) - found:
        raise ValidationError({field: _("Some of these do not exist in this organization.")})
    return wanted


@transaction.atomic
def watch_topic_create(*, organization: Organization, name: str, terms=(), tag_ids=(), channel_ids=(),
                       now: datetime | None = None) -> WatchTopic:
    from inbox.models import Channel, Tag

    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the topic a name.")})
    clean_terms = [t.strip() for t in terms or [] if isinstance(t, str) and t.strip()]
    tags = _clean_ids(organization, Tag, tag_ids, "tag_ids")
    channels = _clean_ids(organization, Channel, channel_ids, "channel_ids")
    if not (clean_terms or tags or channels):
        raise ValidationError({"terms": _("Watch at least one term, tag or channel.")})
    if WatchTopic.objects.for_organization(organization).filter(name=name).exists():
        raise ValidationError({"name": _("A topic with this name already exists.")})
    return WatchTopic.objects.create(organization=organization, name=name, terms=clean_terms, tag_ids=tags,
                                     channel_ids=channels, created_at=now or timezone.now())


def watch_topic_delete(*, topic: WatchTopic) -> None:
    topic.delete()


def topic_mute(*, organization: Organization, topic: WatchTopic | None, reason: str, until: datetime,
               actor: User | None, now: datetime | None = None) -> TopicMute:
    now = now or timezone.now()
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why this is a false alarm.")})
    if until <= now:
        raise ValidationError({"until": _("Mute until a time in the future.")})
    if until > now + timedelta(days=30):
        raise ValidationError({"until": _("Mute for 30 days at most.")})
    if topic is not None and topic.organization_id != organization.pk:
        raise ValidationError({"topic": _("Unknown topic.")})
    return TopicMute.objects.create(organization=organization, topic=topic, reason=reason.strip(), until=until,
                                    muted_by=actor, created_at=now)


def topic_unmute(*, mute: TopicMute, now: datetime | None = None) -> TopicMute:
    mute.until = now or timezone.now()
    mute.save(update_fields=["until"])
    return mute


def sensitivity_of(organization: Organization) -> float:
    settings = DetectorSettings.objects.for_organization(organization).first()
    return settings.sensitivity if settings else 1.0


def sensitivity_set(*, organization: Organization, sensitivity: float) -> DetectorSettings:
    try:
        value = float(sensitivity)
    except (TypeError, ValueError):
        raise ValidationError({"sensitivity": _("Use a number between 0.25 and 4.")}) from None
    if not 0.25 <= value <= 4:
        raise ValidationError({"sensitivity": _("Use a number between 0.25 and 4.")})
    settings, _created = DetectorSettings.objects.for_organization(organization).update_or_create(
        organization=organization,
                                                                   defaults={"sensitivity": value})
    return settings
