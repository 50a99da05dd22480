"""Posting a published statement on its channels, at most once per channel, through the inbox's
`inbox.services.posts` (the crisis app never touches a channel itself).

One `StatementPublication` row per statement and channel is the fence: POSTING is committed before
the platform is called, a delivery that finds another at work steps back, and a post whose answer was
lost is looked up on the platform before any new try.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from ..models import PublicationState, Statement, StatementPublication
from .cell import broadcast
from .statements import _require, _role, can_draft

logger = logging.getLogger(__name__)

# A delivery that finds a publication POSTING for less than this leaves it to the one in flight.
POSTING_IN_FLIGHT = timedelta(seconds=60)
PUBLISH_TASK = "crisis.tasks.publish_statement"


@transaction.atomic
def publication_retry(*, publication: StatementPublication, actor: User) -> StatementPublication:
    """Try a failed publication again. One whose outcome was unknown is looked up on the platform first."""
    publication = StatementPublication.objects.for_organization(publication.organization_id).select_for_update().get(
        pk=publication.pk)
    _require(can_draft(_role(publication.organization_id, actor)))
    if publication.state != PublicationState.FAILED:
        raise ValidationError(_("Only a failed publication can be tried again."))
    publication.state, publication.error, publication.error_code = PublicationState.PENDING, "", ""
    publication.save(update_fields=["state", "error", "error_code"])
    broadcast(publication.statement.crisis, "statement", statement_id=publication.statement_id, status="retrying")
    enqueue(publication.pk)
    return publication


# -- delivery (the publish task's one call) -------------------------------------------------------

def _publish_task():
    app = current_app
    if PUBLISH_TASK not in app.tasks:
        app.loader.import_default_modules()  # a web process that has not loaded the task modules yet
    return app.tasks[PUBLISH_TASK]


def enqueue(publication_id: int) -> None:
    """Hand the publication to the publish task once the transaction commits."""

    def send():
        try:
            _publish_task().delay(publication_id)
        except Exception:  # noqa: BLE001 - the row stays PENDING and says so on the page: retry once the broker is back
            logger.warning("statement publication %s is waiting: the broker is unavailable", publication_id)

    transaction.on_commit(send)


def _settle(publication: StatementPublication, **fields: Any) -> StatementPublication:
    for name, value in fields.items():
        setattr(publication, name, value)
    StatementPublication.objects.unscoped().filter(pk=publication.pk).update(**fields)
    statement = Statement.objects.for_organization(publication.organization_id).select_related("crisis").get(
        pk=publication.statement_id)
    broadcast(statement.crisis, "statement", statement_id=statement.pk, publication_id=publication.pk,
              state=publication.state)
    return publication


def publication_deliver(*, publication_id: int, now: datetime | None = None) -> str:
    """Post one publication at most once.

    POSTING is committed before the platform is called. A delivery that finds POSTING (a duplicate
    task, a worker killed mid-post) never posts blindly: within `POSTING_IN_FLIGHT` it leaves it to the
    first one; after that, or when the platform did not answer, it looks the post up on the platform
    and posts only once it is clearly not there. Mastodon honours our idempotency key, so asking again
    is the look-up there.
    """
    from inbox.services import posts

    now = now or timezone.now()
    with transaction.atomic():
        publication = StatementPublication.objects.unscoped().select_for_update().filter(pk=publication_id).first()
        if publication is None or publication.state in (PublicationState.POSTED, PublicationState.FAILED):
            return "nothing to do"
        look_up = publication.outcome_unknown
        if publication.state == PublicationState.POSTING:
            # Another delivery is at it (posting, or looking up a lost answer): two at once could both
            # find nothing and both post.
            if publication.started_at and now - publication.started_at < POSTING_IN_FLIGHT:
                return "in flight"
            # The earlier delivery died somewhere after committing POSTING: until a look-up settles it,
            # this publication may be on the platform already, whatever happens next.
            look_up = publication.outcome_unknown = True
        # Every attempt starts its own in-flight window; a look-up reads from the row's creation on.
        since = publication.created_at
        publication.state, publication.started_at = PublicationState.POSTING, now
        publication.attempts += 1
        publication.save(update_fields=["state", "started_at", "attempts", "outcome_unknown"])
    organization_id, channel_id = publication.organization_id, publication.channel_id
    found = None
    try:
        if look_up:
            found = posts.brand_post_find(organization_id=organization_id, channel_id=channel_id,
                                          text=publication.text, since=since)
        if found is None:
            try:
                found = posts.brand_post_publish(organization_id=organization_id, channel_id=channel_id,
                                                 text=publication.text, idempotency_key=str(publication.key))
            except posts.PostOutcomeUnknown:
                # Marked before looking, so that a worker dying now leaves a row the next delivery looks up.
                StatementPublication.objects.unscoped().filter(pk=publication.pk).update(outcome_unknown=True)
                found = posts.brand_post_find(organization_id=organization_id, channel_id=channel_id,
                                              text=publication.text, since=since)
                if found is None:
                    found = posts.brand_post_publish(organization_id=organization_id, channel_id=channel_id,
                                                     text=publication.text, idempotency_key=str(publication.key))
    except posts.PostOutcomeUnknown as error:
        with transaction.atomic():
            _settle(publication, state=PublicationState.FAILED, outcome_unknown=True, error_code=error.code,
                    error=_("%(error)s Vigie will look it up on the platform before trying again.") % {"error": error})
        return "failed"
    except posts.PostFailed as error:
        with transaction.atomic():
            _settle(publication, state=PublicationState.FAILED, error=str(error), error_code=error.code[:40])
        return "failed"
    with transaction.atomic():
        _settle(publication, state=PublicationState.POSTED, external_id=found.external_id[:200], url=found.url[:500],
                posted_at=timezone.now(), outcome_unknown=False, error="", error_code="")
    pinned, note = posts.brand_post_pin(organization_id=organization_id, channel_id=channel_id,
                                        external_id=found.external_id)
    StatementPublication.objects.unscoped().filter(pk=publication.pk).update(pinned=pinned, pin_note=note[:500])
    return "posted"


def publications_resume(*, now: datetime | None = None, limit: int = 100) -> int:
    """Hand again to the task the publications left PENDING (broker down) or POSTING by a dead worker."""
    now = now or timezone.now()
    stuck = list(StatementPublication.objects.unscoped().filter(
        state__in=[PublicationState.PENDING, PublicationState.POSTING], created_at__lt=now - POSTING_IN_FLIGHT)
        .values_list("pk", flat=True)[:limit])
    for pk in stuck:
        enqueue(pk)
    return len(stuck)
