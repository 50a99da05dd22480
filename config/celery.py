"""The Celery application: workers and beat for every app, tasks found by autodiscovery."""

import functools
import os

import redis
from celery import Celery
from celery.worker.consumer import Consumer
from kombu.transport import redis as kombu_redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _guard_collected_redis_channels() -> None:
    """A worker must survive Redis dying while a task is in flight.

    When the broker connection is lost, the worker collects it: kombu closes the channel (dropping
    its connection pools) and detaches the transport from the connection (`transport.client =
    None`). The task still running then finishes and the worker acknowledges (or rejects) its
    message on that old channel; the channel rebuilds a pool from `transport.client.hostname`,
    and the worker died of `AttributeError: 'NoneType' object has no attribute 'hostname'`
    (seen in 1 of 8 Redis kills; kombu 5.7 guards the restore timer, not this path). Here that
    channel answers with a connection error instead, which the worker already handles: it logs
    "Couldn't ack", keeps running, and the message, still unacknowledged in Redis, is delivered
    again (the tasks are idempotent: ingestion skips known items, a send is fenced by its row).
    tests/config/test_celery.py reproduces the crash on a private Redis.
    """
    original = kombu_redis.Channel._connparams
    if getattr(original, "vigie_guarded", False):
        return

    def _connparams(self, asynchronous=False):
        transport = self.connection
        if transport is None or getattr(transport, "client", None) is None:
            raise redis.exceptions.ConnectionError("the broker connection of this channel was lost and collected")
        return original(self, asynchronous=asynchronous)

    _connparams.vigie_guarded = True
    kombu_redis.Channel._connparams = _connparams


_guard_collected_redis_channels()

# While the broker is down the worker tries to reconnect this often: work queued meanwhile (a
# reply sent during a Redis outage) starts within about a second of Redis returning.
RECONNECT_EVERY_S = 1.0


class PromptReconnectConsumer(Consumer):
    """The worker's consumer, reconnecting to a lost broker every second.

    Celery leaves kombu's default backoff (2 s, then 4, 6... up to 30 s between attempts): after
    an outage of a minute, the worker came back up to 30 s after Redis did. Selected by the
    `worker_consumer` setting (CELERY_WORKER_CONSUMER)."""

    def ensure_connected(self, conn):
        conn.ensure_connection = functools.partial(conn.ensure_connection, interval_start=RECONNECT_EVERY_S,
                                                   interval_step=0, interval_max=RECONNECT_EVERY_S)
        try:
            return super().ensure_connected(conn)
        finally:
            del conn.ensure_connection

app = Celery("vigie", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
