"""Celery entry points for on-call: beat ticks that call one service each. Never sleep, no ETA."""

from __future__ import annotations

from celery import shared_task

from .services import clusters, detection, escalation, handover, notifications
from .services.coverage import coverage_gaps_check


@shared_task
def sweep_escalations() -> int:
    return escalation.escalations_run_due()


@shared_task
def sweep_notifications() -> int:
    return notifications.notifications_deliver_due()


@shared_task
def check_coverage_gaps() -> int:
    return coverage_gaps_check()


@shared_task
def announce_handoffs() -> int:
    return handover.handoffs_announce()


@shared_task
def check_volume_spikes() -> int:
    return detection.detection_run()


@shared_task
def push_crisis_room_series() -> int:
    from .services import room

    return room.room_series_push()


@shared_task
def advance_cluster_replies() -> int:
    return clusters.cluster_replies_advance()


@shared_task
def publish_statement(publication_id: int) -> str:
    """Post one statement on one channel, at most once (see statement_publications.publication_deliver)."""
    from .services import statement_publications

    return statement_publications.publication_deliver(publication_id=publication_id)


@shared_task
def resume_statement_publications() -> int:
    from .services import statement_publications

    return statement_publications.publications_resume()
