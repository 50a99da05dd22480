"""Every task goes to a named queue, so that a storm of ingestion never delays a page."""

from django.conf import settings

from config.celery import app


def _project_tasks():
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def test_every_task_is_routed_to_a_named_queue():
    router = app.amqp.router
    unrouted = []
    for name in _project_tasks():
        route = router.route({}, name)
        queue = route["queue"].name if route.get("queue") is not None else None
        if queue not in settings.CELERY_TASK_QUEUE_NAMES or not any(
            __import__("fnmatch").fnmatch(name, pattern) for pattern in settings.CELERY_TASK_ROUTES
        ):
            unrouted.append((name, queue))
    assert not unrouted, f"Route these tasks in CELERY_TASK_ROUTES: {unrouted}"


def test_the_project_has_tasks_to_route():
    assert "inbox.tasks.poll_due_channels" in _project_tasks()


def test_messages_survive_a_killed_worker():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
