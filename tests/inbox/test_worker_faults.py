"""Real faults on real processes: a `celery worker` subprocess SIGKILLed mid-poll and mid-send, a
new one started, and the inbox back within the bound, with nothing lost and nothing posted twice.

The test process plays beat (it calls the same claim and sweep tasks beat runs) so that each step
is observable; the workers are real `celery worker` processes on this test's Redis database and
PostgreSQL test database, talking to the platform sandbox over HTTP. The lease and the in-flight
window are shortened through the same settings production reads (VIGIE_POLL_LEASE_SECONDS,
VIGIE_SEND_IN_FLIGHT_SECONDS) to keep the test short; with the defaults (30 s, 40 s) the same path
takes at most lease + beat tick (35 s) and in-flight + sweep tick (50 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from inbox import tasks
from inbox.models import Channel, DeliveryState, Message
from inbox.tasks import poll_channel, send_message
from tests.factories import OrganizationFactory
from tests.inbox.test_tasks import _outbound, sandbox_channel

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
LEASE_S = 6
IN_FLIGHT_S = 8
CATCH_UP_BOUND_S = 60


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """One `celery worker` process (thread pool: its tasks run in it), in its own process group."""

    def __init__(self) -> None:
        self.name = f"faults-{uuid.uuid4().hex[:8]}@localhost"
        env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL, "DEBUG": "1",
               "VIGIE_POLL_LEASE_SECONDS": str(LEASE_S), "VIGIE_SEND_IN_FLIGHT_SECONDS": str(IN_FLIGHT_S)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=threads", "--concurrency=2",
             "-Q", "ingest,send,default",
             "-n", self.name, "--without-mingle", "--without-gossip", "-l", "WARNING"],
            cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_ready(self, timeout: float = 45) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read().decode()[-3000:]
            if celery_app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise AssertionError(f"worker {self.name} did not start within {timeout} s")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the worker and anything it started
        self.process.wait(10)


@pytest.fixture
def workers(transactional_db, monkeypatch):
    """Start workers on demand; every one is SIGKILLed at the end, before the database is flushed."""
    # Only this test's Redis database: messages other tests left in its queues must not run here.
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("ingest", "send", "default", "unacked", "unacked_index")
    # The test process plays beat with the same lease and in-flight window as the workers.
    monkeypatch.setattr(tasks, "POLL_LEASE", timedelta(seconds=LEASE_S))
    monkeypatch.setattr(tasks, "SEND_IN_FLIGHT", timedelta(seconds=IN_FLIGHT_S))
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker()
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.kill()
    broker.delete("ingest", "send", "default", "unacked", "unacked_index")


def wait_for(condition, *, timeout: float, what: str, beat=None) -> float:
    """Seconds until `condition()` holds, running `beat()` between checks; fails past `timeout`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout} s"
        if beat:
            beat()
        time.sleep(0.25)
    return time.monotonic() - started


def test_a_worker_killed_mid_poll_and_mid_send_is_caught_up_by_the_next_one_nothing_lost_or_doubled(
        workers, sandbox, platform_sandbox):
    organization = OrganizationFactory(slug="faults")
    channel = sandbox_channel(organization, sandbox, platform="bluesky", timeout=30)
    sandbox.inject_bluesky_mention("mon vol est annulé", author="camille")
    poll_channel(channel.pk)
    reply = _outbound(channel, sandbox)
    burst = sandbox.inject_many("bluesky", "mentions", [{"text": f"vol {n} annulé", "author": f"fan{n}"}
                                                        for n in range(12)])
    Channel.objects.unscoped().filter(pk=channel.pk).update(next_poll_at=timezone.now())
    # The worker is killed while Bluesky holds both answers: the read of notifications (nothing
    # taken yet), and the reply (taken and stored, answer not sent yet).
    sandbox.fail("bluesky", "slow", times=1, path="listNotifications", delay_ms=30_000)
    sandbox.fail("bluesky", "slow_accept", times=1, path="createRecord", delay_ms=30_000)

    first = workers()
    assert tasks.poll_due_channels() == 1
    send_message.delay(reply.pk)
    wait_for(lambda: not platform_sandbox.state.failures and sandbox.posted("bluesky"), timeout=30,
             what="the poll and the reply reaching Bluesky")
    claimed_until = Channel.objects.unscoped().get(pk=channel.pk).next_poll_at
    # The poll renews its lease while it runs...
    wait_for(lambda: Channel.objects.unscoped().get(pk=channel.pk).next_poll_at > claimed_until,
             timeout=LEASE_S, what="the lease renewed during the poll")
    first.kill()  # ...and stops renewing it once killed.
    killed_at = time.monotonic()
    reply.refresh_from_db()
    assert reply.state == DeliveryState.SENDING

    workers()
    restarted_at = time.monotonic()
    restart_s = restarted_at - killed_at

    def beat() -> None:
        tasks.poll_due_channels()
        tasks.sweep_stuck_sends()

    def inbound() -> list[str]:
        return list(Message.objects.for_organization(organization).filter(direction="in")
                    .values_list("external_id", flat=True))

    def settled() -> bool:
        reply.refresh_from_db()
        return reply.state != DeliveryState.SENDING

    # Each recovery timed on its own, from the restart.
    done: dict[str, float] = {}

    def recovered() -> bool:
        for name, check in (("caught_up", lambda: len(inbound()) >= 13), ("settled", settled)):
            if name not in done and check():
                done[name] = time.monotonic() - restarted_at
        return len(done) == 2

    wait_for(recovered, timeout=CATCH_UP_BOUND_S, what="catching up and settling the reply", beat=beat)
    print(f"\nworker SIGKILLed mid-poll and mid-send; restarted {restart_s:.1f} s later; inbox caught up "
          f"{done['caught_up']:.1f} s and reply settled {done['settled']:.1f} s after the restart")

    ids = inbound()
    assert len(ids) == len(set(ids)) == 13 and set(burst) <= set(ids)  # nothing lost, nothing twice
    posted = sandbox.posted("bluesky")
    assert len(posted) == 1  # the reply posted once
    assert (reply.state, reply.external_id) == (DeliveryState.SENT, posted[0]["id"])
    assert done["caught_up"] <= CATCH_UP_BOUND_S and done["settled"] <= CATCH_UP_BOUND_S
