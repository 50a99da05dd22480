"""Every task goes to a named queue, so that a storm of ingestion never delays a page."""

import pytest
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


def test_results_are_never_stored_so_enqueueing_never_waits_on_a_result_backend():
    assert app.conf.task_ignore_result is True
    assert app.conf.result_backend is None
    assert app.conf.task_publish_retry_policy["max_retries"] <= 3


def test_a_worker_acknowledging_after_redis_died_gets_a_connection_error_not_a_crash():
    """Redis killed with a task in flight: the worker collects the lost connection, the task ends,
    and its acknowledgement reaches a channel without pools or transport (kombu's
    `AttributeError: ... 'hostname'`, which killed the worker). It must be a connection error,
    which the worker logs and survives."""
    import logging

    import redis
    from kombu import Connection, Exchange, Queue

    from tests.faults.stack import RedisServer

    server = RedisServer().start()
    try:
        connection = Connection(server.url, transport_options={"visibility_timeout": 3600})
        queue = Queue("inflight", Exchange("inflight"), "inflight")
        with connection.Producer() as producer:
            producer.publish({"task": "poll"}, exchange=queue.exchange, routing_key="inflight", declare=[queue])
        received = []
        consumer = connection.Consumer([queue], callbacks=[lambda body, message: received.append(message)],
                                       accept=["json"])
        consumer.consume()
        connection.drain_events(timeout=5)
        message = received[0]
        errors = connection.connection_errors

        server.kill()
        connection.collect(socket_timeout=1)
        message.channel._disconnect_pools()  # as after a close whose restore never rebuilt them

        with pytest.raises(redis.exceptions.ConnectionError):
            message.ack()
        message.ack_log_error(logging.getLogger("test"), errors)  # what the worker does: logged, not raised
    finally:
        server.cleanup()


def test_the_worker_tries_to_reconnect_to_a_lost_broker_every_second():
    """Kombu's default backoff grows to 30 s between attempts: a worker would come back up to 30 s
    after Redis did. The worker's consumer asks for one attempt a second."""
    from celery.utils.imports import symbol_by_name

    from config.celery import RECONNECT_EVERY_S, PromptReconnectConsumer

    assert symbol_by_name(app.conf.worker_consumer) is PromptReconnectConsumer
    assert app.conf.broker_connection_max_retries is None  # one a second, for as long as it takes
    asked = {}

    class LostBroker:
        def ensure_connection(self, *args, **kwargs):
            asked.update(kwargs)
            return self

    consumer = PromptReconnectConsumer.__new__(PromptReconnectConsumer)  # only ensure_connected is exercised
    consumer.app, consumer.first_connection_attempt, consumer.broker_connection_retry_attempt = app, False, 0
    broker = LostBroker()
    assert consumer.ensure_connected(broker) is broker
    assert asked["interval_start"] == asked["interval_max"] == RECONNECT_EVERY_S <= 1
    assert asked["interval_step"] == 0
    assert "ensure_connection" not in vars(broker)
