"""Periodic work of the accounts app (run by Celery beat, see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .notifications import notifications_email_unseen


@shared_task
def email_unseen_notifications() -> int:
    return notifications_email_unseen()
