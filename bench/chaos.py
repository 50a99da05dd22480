"""The live stack through real faults: what is lost, what is doubled, how long recovery takes.

Usage: python bench/chaos.py [--burst 150] [--replies 6] [--drain 120] [--keep-logs]

It needs no server of its own: it starts a private PostgreSQL (initdb + pg_ctl) and a private
Redis (redis-server) on free ports in temporary directories, never the machine's, then the live
stack as `make run` does: web (uvicorn), one Celery worker (concurrency 2), beat, and the platform
sandbox (`manage.py platform_sandbox`), all as subprocesses on those servers. One organization,
one agent and one X channel polled every second (tests/faults/stack_admin.py).

Mentions are injected in the sandbox all along; the faults, in order:
1. worker SIGKILLed mid-ingest (the sandbox's X mentions answer slowly, so a poll is in flight),
   restarted at once: `catch_up_s` is the time from the restart until every mention injected
   before it is stored;
2. worker SIGKILLed mid-send (replies posted through the API, X answering slowly), restarted;
3. Redis SIGKILLed for 5 s, then restarted on the same port with its data (append-only file),
   while a websocket client (reconnecting like static/js/live.js: 250 ms doubling to 2 s, with
   jitter) is connected, mentions keep arriving and a reply is posted: `live_resume_s` is the
   time from Redis accepting connections again until the client's reconnected socket has its
   ping answered through the live channel;
4. PostgreSQL stopped for 3 s and started again while mentions arrive;
5. beat stopped during a burst of `--burst` mentions, started again 10 s later.

Then it waits (at most `--drain` s) for every mention to be stored and every reply to be settled,
and counts: mentions injected but not stored (lost), stored more than once (duplicated); replies
posted on the sandbox more than once (duplicated). Every wait is bounded: a run takes about 3 to
6 minutes. The logs of each process are kept under a temporary directory (printed) with
--keep-logs.

The last line is machine-readable:
``mentions_lost=<n> mentions_duplicated=<n> replies_duplicated=<n> catch_up_s=<n> live_resume_s=<n>``
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox.sandbox import SandboxClient  # noqa: E402
from tests.faults.stack import (  # noqa: E402
    PY,
    ROOT,
    PostgresServer,
    RedisServer,
    beat_process,
    free_port,
    sandbox_process,
    stack_environment,
    wait_until,
    web_process,
    worker_process,
)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Chaos:
    def __init__(self, args):
        self.args = args
        self.dir = Path(tempfile.mkdtemp(prefix="vigie-chaos-"))
        self.postgres = PostgresServer()
        self.redis = RedisServer()
        self.web_port, self.sandbox_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.injected: set[str] = set()
        self.reply_texts: list[str] = []
        self.catch_up: dict = {}  # the mentions the restarted worker must catch up with, and when it did

    # --- the stack ---------------------------------------------------------------------------

    def start(self) -> None:
        say(f"private PostgreSQL on :{self.postgres.port}, Redis on :{self.redis.port}, logs in {self.dir}")
        self.postgres.start()
        self.redis.start()
        sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.env = stack_environment(database_url=self.postgres.url(), redis_url=self.redis.url,
                                     PLATFORM_SANDBOX_URL=sandbox_url, LOG_LEVEL="WARNING")
        self.sandbox_proc = sandbox_process(self.env, self.dir, self.sandbox_port).start()
        self.sandbox = SandboxClient(sandbox_url)
        wait_until(self._sandbox_answers, timeout=30, what="the sandbox answering")
        seeded = subprocess.run([PY, "-m", "tests.faults.stack_admin", "setup", "--sandbox", sandbox_url],
                                env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=180, check=True)
        self.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.web = web_process(self.env, self.dir, self.web_port).start()
        self.worker = worker_process(self.env, self.dir).start()
        self.beat = beat_process(self.env, self.dir).start()
        wait_until(self._web_answers, timeout=60, what="the web process answering")

    def _sandbox_answers(self) -> bool:
        try:
            self.sandbox.config()
            return True
        except Exception:  # noqa: BLE001 - not listening yet
            return False

    def _web_answers(self) -> bool:
        try:
            return httpx.get(self.url + "/login/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """Everything that was started, even when start() failed half-way."""
        for name in ("beat", "worker", "web", "sandbox_proc"):
            if getattr(self, name, None) is not None:
                getattr(self, name).stop()
        self.redis.cleanup()
        self.postgres.cleanup()
        if not self.args.keep_logs:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- observation -------------------------------------------------------------------------

    def sql(self, query: str, params=()):
        import psycopg

        try:
            with psycopg.connect(self.postgres.url(), connect_timeout=3) as conn:
                return conn.execute(query, params).fetchall()
        except psycopg.OperationalError:
            return None  # PostgreSQL is the fault being played

    def stored(self) -> list[str] | None:
        rows = self.sql("SELECT external_id FROM inbox_message WHERE channel_id = %s AND direction = 'in'",
                        [self.seed["channel_id"]])
        return None if rows is None else [row[0] for row in rows]

    def observe(self) -> None:
        """Called from every wait: notes when the restarted worker has caught up."""
        if self.catch_up and "done_s" not in self.catch_up:
            stored = self.stored()
            if stored is not None and self.catch_up["ids"] <= set(stored):
                self.catch_up["done_s"] = time.monotonic() - self.catch_up["restarted"]
                say(f"caught up {self.catch_up['done_s']:.1f} s after the worker restarted")

    def wait(self, predicate, *, timeout: float, what: str) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.observe()
            if predicate():
                return True
            time.sleep(0.25)
        say(f"not reached within {timeout:.0f} s: {what}")
        return False

    def all_stored(self, ids: set[str]):
        def check():
            stored = self.stored()
            return stored is not None and ids <= set(stored)
        return check

    def inject(self, prefix: str, count: int) -> set[str]:
        items = [{"text": f"{prefix} {n}: mon vol est annulé, quelqu'un peut répondre ?",
                  "author": f"{prefix}-{n % 40}"} for n in range(count)]
        ids = set(self.sandbox.inject_many("x", "mentions", items))
        self.injected |= ids
        return ids

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, f"{self.url}/api/v1/o/{self.seed['organization']}/{path}",
                             headers={"Authorization": f"Token {self.seed['token']}"}, timeout=30, **kwargs)

    def reply(self, conversation_id: int, label: str) -> tuple[float, str | None]:
        """Posts a reply through the API: (seconds the request took, its text if it was queued)."""
        text = f"Nous regardons votre dossier ({label} {len(self.reply_texts)})."
        started = time.monotonic()
        response = self.api("POST", f"conversations/{conversation_id}/reply/", json={"text": text})
        elapsed = time.monotonic() - started
        if response.status_code == 201:
            self.reply_texts.append(text)
            return elapsed, text
        say(f"reply refused ({response.status_code}): {response.text[:200]}")
        return elapsed, None

    def conversations(self) -> list[int]:
        rows = self.sql("SELECT id FROM inbox_conversation WHERE channel_id = %s ORDER BY id", [self.seed["channel_id"]])
        return [row[0] for row in rows or []]

    # --- the faults --------------------------------------------------------------------------

    def warm_up(self) -> None:
        ids = self.inject("warm-up", 20)
        self.wait(self.all_stored(ids), timeout=60, what="warm-up mentions stored")
        say("warm-up: 20 mentions stored")

    def kill_worker_mid_ingest(self) -> None:
        self.sandbox.fail("x", "slow", delay_ms=1500, path="mentions", times=3)
        ids = self.inject("mid-ingest", self.args.burst)
        # A poll is in flight once the sandbox has been asked for mentions since the injection.
        seen = self.sandbox.requests_seen().get("x", 0)
        self.wait(lambda: self.sandbox.requests_seen().get("x", 0) > seen, timeout=20, what="a poll in flight")
        time.sleep(0.5)  # inside the slow answer: the poll holds its lease, nothing committed yet
        self.worker.kill()
        say(f"worker SIGKILLed mid-ingest ({len(ids)} mentions waiting)")
        self.worker.start()
        self.catch_up = {"ids": set(self.injected), "restarted": time.monotonic()}
        self.sandbox.clear("x")

    def kill_worker_mid_send(self) -> None:
        targets = self.conversations()[: self.args.replies]
        self.sandbox.fail("x", "slow", delay_ms=2500, path="/2/tweets", times=len(targets))
        for conversation_id in targets:
            self.reply(conversation_id, "mid-send")

        def sending():
            rows = self.sql("SELECT count(*) FROM inbox_message WHERE direction = 'out' AND state = 'sending'")
            return rows and rows[0][0] > 0

        self.wait(sending, timeout=30, what="a reply being sent")
        time.sleep(0.3)
        self.worker.kill()
        say(f"worker SIGKILLed mid-send ({len(targets)} replies queued)")
        self.worker.start()
        self.sandbox.clear("x")

    def redis_outage(self) -> float:
        client = LiveClient(f"ws://127.0.0.1:{self.web_port}/ws/o/{self.seed['organization']}/", self.url,
                            self.seed["session_key"])
        client.start()
        if not client.live.wait(30):
            say("the websocket client never went live")
        self.redis.kill()
        say("Redis SIGKILLed")
        self.inject("redis-down", 10)
        conversation = self.conversations()[-1]
        answered, outage_reply = self.reply(conversation, "redis-down")
        say(f"a reply during the outage answered in {answered:.2f} s")
        inbox = self.api("GET", "conversations/")
        say(f"the inbox during the outage answered {inbox.status_code}")
        client.stale.wait(20)
        time.sleep(5)
        client.live.clear()
        self.redis.start()
        returned = time.monotonic()
        say("Redis restarted")
        live_resume = None
        if client.live.wait(30):
            live_resume = client.live_at - returned
            say(f"websocket live again {live_resume:.2f} s after Redis returned")
        client.stop()
        if outage_reply and self.wait(lambda: any(p.get("text") == outage_reply for p in self.sandbox.posted("x")), timeout=30,
                     what="the reply queued during the outage posted"):
            say(f"the reply queued during the outage was posted {time.monotonic() - returned:.1f} s after Redis returned")
        return live_resume if live_resume is not None else float("nan")

    def postgres_restart(self) -> None:
        before = self.inject("pg-before", 20)
        self.wait(self.all_stored(before), timeout=60, what="mentions before the PostgreSQL restart")
        self.postgres.stop()
        say("PostgreSQL stopped")
        self.inject("pg-down", 20)
        time.sleep(3)
        self.postgres.start()
        say("PostgreSQL started again")
        self.inject("pg-after", 20)

    def beat_stopped(self) -> None:
        self.beat.stop()
        say("beat stopped")
        burst = self.inject("beat-down", self.args.burst)
        time.sleep(10)
        self.beat.start()
        returned = time.monotonic()
        if self.wait(self.all_stored(burst), timeout=90, what="the burst after beat returned"):
            say(f"burst of {len(burst)} stored {time.monotonic() - returned:.1f} s after beat returned")

    # --- the counts --------------------------------------------------------------------------

    def settle(self) -> None:
        self.wait(self.all_stored(self.injected), timeout=self.args.drain, what="every mention stored")

        def replies_settled():
            rows = self.sql("SELECT count(*) FROM inbox_message WHERE direction = 'out' AND state IN ('queued', 'sending')")
            return rows is not None and rows[0][0] == 0

        self.wait(replies_settled, timeout=self.args.drain, what="every reply sent or failed")

    def counts(self) -> dict:
        stored = self.stored() or []
        per_id = collections.Counter(stored)
        lost = len(self.injected - set(per_id))
        duplicated = sum(n - 1 for n in per_id.values() if n > 1)
        posted = collections.Counter(p.get("text") for p in self.sandbox.posted("x"))
        replies_duplicated = sum(posted[text] - 1 for text in self.reply_texts if posted[text] > 1)
        states = self.sql("SELECT state, error_code, count(*) FROM inbox_message WHERE direction = 'out' "
                          "GROUP BY state, error_code ORDER BY state") or []
        say(f"mentions injected {len(self.injected)}, stored {len(per_id)} distinct ({len(stored)} rows)")
        say(f"replies queued {len(self.reply_texts)}, posted on X {sum(posted[t] for t in self.reply_texts)}; "
            f"states {states}")
        return {"lost": lost, "duplicated": duplicated, "replies_duplicated": replies_duplicated}


class LiveClient:
    """One page's websocket, reconnecting like static/js/live.js, in a thread of its own."""

    def __init__(self, url: str, origin: str, session_key: str):
        self.url, self.origin, self.cookie = url, origin, f"sessionid={session_key}"
        self.live, self.stale = threading.Event(), threading.Event()
        self.live_at = 0.0
        self._stop = False
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop = True
        self.thread.join(10)

    async def _run(self) -> None:
        from websockets.asyncio.client import connect

        attempts = 0
        while not self._stop:
            try:
                async with connect(self.url, origin=self.origin, additional_headers={"Cookie": self.cookie},
                                   ping_interval=None, open_timeout=5) as socket:
                    hello = json.loads(await asyncio.wait_for(socket.recv(), 5))
                    if hello.get("type") != "hello":
                        raise ConnectionError(hello)
                    await socket.send(json.dumps({"type": "ping"}))
                    while json.loads(await asyncio.wait_for(socket.recv(), 5)).get("type") != "pong":
                        pass
                    attempts = 0
                    self.live_at = time.monotonic()
                    self.stale.clear()
                    self.live.set()
                    while not self._stop:  # the heartbeat, as the page does it (faster here)
                        await socket.send(json.dumps({"type": "ping"}))
                        deadline = time.monotonic() + 5
                        while json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic())) \
                                .get("type") != "pong":
                            pass
                        await asyncio.sleep(1)
            except Exception:  # noqa: BLE001 - any failure means: stale, reconnect
                pass
            self.live.clear()
            self.stale.set()
            attempts += 1
            await asyncio.sleep(min(2.0, 0.25 * 2 ** (attempts - 1)) * (0.5 + random.random() / 2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=150, help="mentions per burst")
    parser.add_argument("--replies", type=int, default=6, help="replies in flight when the worker is killed")
    parser.add_argument("--drain", type=float, default=120, help="longest wait for the final counts, in seconds")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()

    chaos = Chaos(args)
    live_resume = float("nan")
    try:
        chaos.start()
        chaos.warm_up()
        chaos.kill_worker_mid_ingest()
        chaos.kill_worker_mid_send()
        live_resume = chaos.redis_outage()
        chaos.postgres_restart()
        chaos.beat_stopped()
        chaos.settle()
        counts = chaos.counts()
    finally:
        chaos.stop()
    catch_up = chaos.catch_up.get("done_s")
    if catch_up is None:
        say("the restarted worker never caught up within the run")
        catch_up = float("nan")
    print(f"mentions_lost={counts['lost']} mentions_duplicated={counts['duplicated']} "
          f"replies_duplicated={counts['replies_duplicated']} catch_up_s={catch_up:.1f} live_resume_s={live_resume:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
