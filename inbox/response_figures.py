"""First-response figures over a period, computed in SQL: how fast and how well the desk answered
(the crisis report reads them through inbox.selectors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import Organization

from .models import Conversation, ConversationTag, DeliveryState, Message

ANSWER_WINDOW = timedelta(hours=2)


@dataclass(frozen=True)
class FirstResponseFigures:
    """First responses of the conversations started in a period (optionally only those with a tag).

    - `median_seconds` / `p90_seconds`: time from the conversation's first mention to the first
      reply sent, over the answered ones (None when none was answered).
    - SLA: a conversation with a first-response target counts once it is settled, answered or past
      its target (`sla_settled`); it met the target when answered without a breach (`sla_met`). A
      clock still running is left out: a conversation that may still be answered in time is no failure.
    - Answered within 2 hours (`answered_2h` of `answer_due`): a conversation — one person's mention
      and its thread — is answered within 2 hours when its first reply was sent at most 2 hours after
      it arrived. It counts in `answer_due` once answered, or once its 2 hours have passed by `now`;
      a mention still inside its 2 hours and unanswered is pending, not missed.
    """

    conversations: int = 0
    answered: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None
    sla_settled: int = 0
    sla_met: int = 0
    answer_due: int = 0
    answered_2h: int = 0

    @property
    def sla_met_pct(self) -> float | None:
        return round(100 * self.sla_met / self.sla_settled, 1) if self.sla_settled else None

    @property
    def answered_2h_pct(self) -> float | None:
        return round(100 * self.answered_2h / self.answer_due, 1) if self.answer_due else None


def _conversations_in(organization: Organization | int, tag_name: str | None, since: datetime,
                      until: datetime) -> QuerySet[Conversation]:
    conversations = Conversation.objects.for_organization(organization).filter(created_at__gte=since,
                                                                               created_at__lt=until)
    if tag_name is not None:
        tagged = ConversationTag.objects.for_organization(organization).filter(tag__name=tag_name)
        conversations = conversations.filter(pk__in=tagged.values("conversation_id"))
    return conversations


_FIGURES_SQL = """
SELECT count(*),
       count(first_response_at),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - created_at))
           FILTER (WHERE first_response_at IS NOT NULL),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - created_at))
           FILTER (WHERE first_response_at IS NOT NULL),
       count(*) FILTER (WHERE sla_target_seconds IS NOT NULL
                        AND (first_response_at IS NOT NULL OR sla_breached_at IS NOT NULL)),
       count(*) FILTER (WHERE sla_target_seconds IS NOT NULL AND first_response_at IS NOT NULL
                        AND sla_breached_at IS NULL),
       count(*) FILTER (WHERE first_response_at IS NOT NULL OR created_at + %s <= %s),
       count(*) FILTER (WHERE first_response_at IS NOT NULL AND first_response_at <= created_at + %s)
FROM ({scoped}) AS c
"""


def first_response_figures(*, organization: Organization | int, tag_name: str | None = None, since: datetime,
                           until: datetime, now: datetime | None = None) -> FirstResponseFigures:
    """First-response figures of the conversations created in [since, until), with `tag_name` when
    given (see FirstResponseFigures), computed in one query."""
    scoped = _conversations_in(organization, tag_name, since, until).values(
        "created_at", "first_response_at", "sla_target_seconds", "sla_breached_at")
    sql, params = scoped.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES_SQL.format(scoped=sql),
                       [ANSWER_WINDOW, now or timezone.now(), ANSWER_WINDOW, *params])
        row = cursor.fetchone()
    return FirstResponseFigures(conversations=row[0], answered=row[1], median_seconds=row[2], p90_seconds=row[3],
                                sla_settled=row[4], sla_met=row[5], answer_due=row[6], answered_2h=row[7])


def replies_sent_by_person(*, organization: Organization | int, tag_name: str | None = None, since: datetime,
                           until: datetime) -> dict[int, int]:
    """Replies sent in [since, until) per person who wrote them (in conversations with `tag_name` when given)."""
    replies = Message.objects.for_organization(organization).filter(
        direction="out", state=DeliveryState.SENT, sent_at__gte=since, sent_at__lt=until, author_user__isnull=False)
    if tag_name is not None:
        tagged = ConversationTag.objects.for_organization(organization).filter(tag__name=tag_name)
        replies = replies.filter(conversation_id__in=tagged.values("conversation_id"))
    return dict(replies.values("author_user_id").annotate(count=Count("pk")).values_list("author_user_id", "count"))


def tag_in_use(*, organization: Organization | int, tag_name: str) -> bool:
    """Whether any conversation carries the tag (the crisis queue may still be empty)."""
    return ConversationTag.objects.for_organization(organization).filter(tag__name=tag_name).exists()
