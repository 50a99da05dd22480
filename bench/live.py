"""Latency of the live channel: from the ingestion pipeline's COMMIT to the event in N browsers' sockets.

Usage: python bench/live.py [--clients 200] [--rate 200] [--seconds 20] [--batch 20] [--members 5]
                            [--workers 1] [--client-procs 1] [--keep] [--debug-cursor]

It creates its own organization (unique slug per run), `--members` agents and one X channel, and a
Django session per member (what a browser holds after /login/). It starts the real ASGI app
(config.asgi: uvicorn, `--workers` processes, a free port on 127.0.0.1) in a subprocess, against
the same PostgreSQL and Redis (DATABASE_URL / REDIS_URL), and opens `--clients` websockets on
/ws/o/<slug>/ as browsers do: `sessionid` cookie (members round-robin) and an allowed Origin; every
client must get its {"type": "hello"} first. The clients all run on one asyncio loop in a child
process (or are split over `--client-procs` processes), so that the producer's CPU does not delay
their reads.

The producer (this process, main thread) then calls `inbox.services.mentions_ingest` with
`--batch` realistic mentions (bench/ingest.py's generator: French/English texts, replies into
earlier threads, a few items sent again) every batch/rate seconds for `--seconds`. Each call runs
inside an outer atomic block whose first `on_commit` callback stamps `time.time()`: Django runs
commit callbacks in registration order, so the stamp is taken right at COMMIT and before the
pipeline's own `broadcast_on_commit` callback (whose group_send is therefore part of the
measured latency). The event a batch broadcasts is recognized in the clients by its
`conversation_ids`, which are the batch's `IngestResult.conversation_ids`.

Latency of one receipt = the client's `time.time()` when the frame is read − the batch's commit
stamp (same machine, same wall clock). Every (client, event) pair that was expected but never
arrived is reported as lost. Finally the organization's rows, the members and their sessions are
deleted, unless --keep.

The last line is machine-readable: ``clients=<n> rate=<n> p50_ms=<n> p95_ms=<n>``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import ROOT, django_setup, purge_organizations, quiet_query_log  # noqa: E402

CONNECT_CONCURRENCY = 25  # handshakes in flight at once while the clients connect
CONNECT_TIMEOUT_S = 60
DRAIN_IDLE_S = 3.0  # after the last batch: stop waiting once no receipt arrived for this long
DRAIN_MAX_S = 60.0  # ... or after this long in any case; what has not arrived then is lost


# --- the clients (child processes; no Django in there) ----------------------------------------


def _event_key(conversation_ids) -> str:
    return ",".join(str(i) for i in conversation_ids)


async def _clients(url: str, origin: str, cookies: list[tuple[int, str]], ready, received, stop, out) -> None:
    from websockets.asyncio.client import connect

    receipts: list[tuple[int, str, float]] = []  # (client, event key, time.time() at read)
    other_messages = 0
    failures: list[str] = []
    sockets = []
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(index: int, cookie: str):
        async with gate:
            ws = await connect(url, origin=origin, additional_headers={"Cookie": cookie}, ping_interval=None,
                               open_timeout=30, max_queue=None)
            first = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if first.get("type") != "hello":
                raise RuntimeError(f"client {index}: expected hello, got {first!r} (close code {ws.close_code})")
            return ws

    async def read(index: int, ws) -> None:
        nonlocal other_messages
        try:
            async for frame in ws:
                now = time.time()
                event = json.loads(frame)
                if event.get("type") == "inbox.updated":
                    receipts.append((index, _event_key(event.get("conversation_ids", ())), now))
                    with received.get_lock():
                        received.value += 1
                else:
                    other_messages += 1
        except Exception as error:  # noqa: BLE001 - reported, not raised: the others go on
            failures.append(f"client {index}: {type(error).__name__}: {error}")

    results = await asyncio.gather(*(open_one(i, cookie) for i, cookie in cookies), return_exceptions=True)
    readers = []
    for (index, _), result in zip(cookies, results, strict=True):
        if isinstance(result, BaseException):
            failures.append(f"client {index}: could not connect: {type(result).__name__}: {result}")
        else:
            sockets.append(result)
            readers.append(asyncio.create_task(read(index, result)))
    ready.value = len(sockets)
    while not stop.is_set():
        await asyncio.sleep(0.05)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    await asyncio.gather(*readers, return_exceptions=True)
    out.send({"connected": len(sockets), "receipts": receipts, "other_messages": other_messages,
              "failures": failures})
    out.close()


def client_process(url: str, origin: str, cookies: list[tuple[int, str]], ready, received, stop, out) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_clients(url, origin, cookies, ready, received, stop, out))


# --- the server ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, extra: list[str]) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "uvicorn", "config.asgi:application", "--app-dir", str(ROOT),
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--lifespan", "off",
        "--log-level", "warning", "--no-access-log", *extra,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with code {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("uvicorn did not start listening within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _process_tree(pid: int) -> list[int]:
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                pids.append(int(entry.name))
    return pids


def _cpu_seconds(pids: list[int]) -> float:
    """user + system CPU time of these processes (children already waited for not included)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _machine_busy_seconds() -> float:
    """CPU seconds all cores spent outside idle/iowait since boot (other engineers' jobs included)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


# --- the organization and its members -------------------------------------------------------------


def set_up(run: str, members: int):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import Membership, Organization, User
    from accounts.roles import Role
    from inbox.models import Channel

    organization = Organization.objects.create(name=f"Bench live {run}", slug=f"bench-live-{run}")
    channel = Channel.objects.create(
        organization=organization, platform="x", external_account_id=f"98{int(run, 16) % 10**9}",
        handle="@AirDemo", display_name="AirDemo",
    )
    users, session_keys = [], []
    for n in range(members):
        user = User(email=f"bench-live-{run}-{n}@example.com", full_name=f"Agent {n} {run}")
        user.set_unusable_password()  # never logs in with a password: the session below is its login
        user.save()
        Membership.objects.create(organization=organization, user=user, role=Role.AGENT)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        users.append(user)
        session_keys.append(session.session_key)
    return organization, channel, users, session_keys, settings.SESSION_COOKIE_NAME


def clean_up(organization, users, session_keys) -> None:
    import redis
    from django.conf import settings
    from django.contrib.sessions.models import Session

    from accounts.live import organization_group
    from accounts.models import User

    # Group members the server could not discard (a worker stopped mid-disconnect) would stay a day.
    config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    prefix, hosts = config.get("prefix", "asgi"), config.get("hosts") or []
    if hosts and isinstance(hosts[0], str):
        client = redis.Redis.from_url(hosts[0])
        client.delete(f"{prefix}:group:{organization_group(organization.pk, 'inbox')}")
        client.close()
    purge_organizations([organization.pk])
    Session.objects.filter(session_key__in=session_keys).delete()
    User.objects.filter(pk__in=[user.pk for user in users]).delete()


# --- the producer -----------------------------------------------------------------------------------


def ingest_stamped(channel, items):
    """mentions_ingest, and time.time() at its COMMIT (before the live event's group_send)."""
    from django.db import transaction

    from inbox.services import mentions_ingest

    stamp: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: stamp.append(time.time()))
        result = mentions_ingest(channel=channel, items=items)
    return result, stamp[0], time.time()


def percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200, help="websockets connected to the organization")
    parser.add_argument("--rate", type=int, default=200, help="mentions ingested per second")
    parser.add_argument("--seconds", type=float, default=20, help="how long the ingest runs")
    parser.add_argument("--batch", type=int, default=20, help="mentions per mentions_ingest call")
    parser.add_argument("--members", type=int, default=5, help="members whose sessions the clients share")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--client-procs", type=int, default=1, help="processes the clients are spread over")
    parser.add_argument("--server-args", default="",
                        help='more uvicorn options, e.g. "--ws-per-message-deflate false" or "--ws websockets-sansio"')
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the organization, members and sessions")
    parser.add_argument("--debug-cursor", action="store_true",
                        help="keep DEBUG's in-memory SQL log in the producer (off by default, as in production)")
    args = parser.parse_args(argv)

    django_setup()
    from django.conf import settings

    server_debug = settings.DEBUG  # what the uvicorn subprocess runs with (same environment)
    if not args.debug_cursor:
        quiet_query_log()
    from django.db import connection
    from django.http.request import validate_host

    from bench.ingest import build_items
    from inbox.classification import classify_many

    host = "127.0.0.1"
    if not validate_host(host, settings.ALLOWED_HOSTS):
        sys.exit(f"{host} is not in ALLOWED_HOSTS ({settings.ALLOWED_HOSTS}): set DEBUG=1 or ALLOWED_HOSTS=127.0.0.1")
    layer = settings.CHANNEL_LAYERS["default"]
    print(f"channel_layer={layer['BACKEND'].rsplit('.', 1)[-1]} config="
          f"{ {k: v for k, v in layer.get('CONFIG', {}).items() if k != 'hosts'} } "
          f"server_debug={server_debug} cpus={os.cpu_count()}")

    run = uuid.uuid4().hex[:10]
    batches = max(1, round(args.rate * args.seconds / args.batch))
    interval = args.batch / args.rate
    t0 = time.perf_counter()
    items, _ = build_items(batches * args.batch + args.batch, args.seed, run)  # + one warm-up batch
    classify_many([item.text for item in items[:200]])  # loads the language models: not timed
    print(f"generated items={len(items)} batches={batches} of {args.batch} every {interval * 1000:.0f} ms "
          f"in {time.perf_counter() - t0:.1f}s")

    organization, channel, users, session_keys, cookie_name = set_up(run, args.members)
    print(f"organization={organization.slug} id={organization.pk} channel={channel.pk} members={len(users)}")
    port = _free_port()
    server = None
    children: list[tuple[mp.Process, object, object, object]] = []
    stop = None
    try:
        server = start_server(port, args.workers, shlex.split(args.server_args))
        time.sleep(0.5 if args.workers == 1 else 2.0)  # let every worker bind before the clients arrive
        server_pids = _process_tree(server.pid)
        print(f"uvicorn pid={server.pid} workers={args.workers} port={port} processes={len(server_pids)} "
              f"extra_args={args.server_args!r}")

        context = mp.get_context("spawn")
        stop = context.Event()
        url = f"ws://{host}:{port}/ws/o/{organization.slug}/"
        origin = f"http://{host}:{port}"
        assignments = [(i, f"{cookie_name}={session_keys[i % len(session_keys)]}") for i in range(args.clients)]
        for p in range(args.client_procs):
            ready = context.Value("i", -1)
            received = context.Value("q", 0)
            parent_end, child_end = context.Pipe(duplex=False)
            process = context.Process(
                target=client_process, daemon=True,
                args=(url, origin, assignments[p::args.client_procs], ready, received, stop, child_end),
            )
            process.start()
            child_end.close()
            children.append((process, ready, received, parent_end))
        t0 = time.perf_counter()
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while any(ready.value < 0 for _, ready, _, _ in children):
            if time.monotonic() > deadline or any(not process.is_alive() for process, *_ in children):
                raise RuntimeError("the clients did not connect")
            time.sleep(0.05)
        connected = sum(ready.value for _, ready, _, _ in children)
        print(f"connected_clients={connected}/{args.clients} in {time.perf_counter() - t0:.1f}s")
        if connected == 0:
            raise RuntimeError("no client could connect")

        # One batch first, not measured: the server process's first group receive, the producer's
        # first Redis connection.
        warm = ingest_stamped(channel, items[:args.batch])[0]
        warm_key = _event_key(warm.conversation_ids)
        time.sleep(1.0)

        cpu_before = {"server": _cpu_seconds(server_pids),
                      "clients": _cpu_seconds([process.pid for process, *_ in children]),
                      "producer": time.process_time(), "machine": _machine_busy_seconds()}
        commits: dict[str, float] = {}
        send_ms: list[float] = []  # commit -> mentions_ingest returned: the group_send, in the producer
        ingest_ms: list[float] = []
        silent_batches = 0
        behind = 0
        started = time.perf_counter()
        for n in range(batches):
            due = started + n * interval
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            elif pause < -interval:
                behind += 1
            batch = items[(n + 1) * args.batch:(n + 2) * args.batch]
            began = time.time()
            result, committed, returned = ingest_stamped(channel, batch)
            ingest_ms.append((committed - began) * 1000)
            if result.conversation_ids:
                key = _event_key(result.conversation_ids)
                if key in commits or key == warm_key:
                    print(f"warning: two batches broadcast the same conversation ids ({key}); keeping the first")
                    continue
                commits[key] = committed
                send_ms.append((returned - committed) * 1000)
            else:
                silent_batches += 1
        elapsed = time.perf_counter() - started
        expected = len(commits) * connected

        drain_started = last_progress = time.monotonic()
        count = -1
        while time.monotonic() - drain_started < DRAIN_MAX_S and time.monotonic() - last_progress < DRAIN_IDLE_S:
            now_count = sum(received.value for _, _, received, _ in children)
            if now_count >= expected + connected:  # + the warm-up event
                break
            if now_count != count:
                count, last_progress = now_count, time.monotonic()
            time.sleep(0.05)
        drained = time.monotonic() - drain_started
        cpu = {"server": _cpu_seconds(server_pids) - cpu_before["server"],
               "clients": _cpu_seconds([process.pid for process, *_ in children]) - cpu_before["clients"],
               "producer": time.process_time() - cpu_before["producer"],
               "machine": _machine_busy_seconds() - cpu_before["machine"]}
        load = os.getloadavg()[0]
        stop.set()
        reports = []
        for process, _, _, parent_end in children:
            reports.append(parent_end.recv() if parent_end.poll(30) else None)
            process.join(timeout=10)
    finally:
        if stop is not None:
            stop.set()
        for process, *_ in children:
            if process.is_alive():
                process.terminate()
        if server is not None:
            stop_server(server)
        if args.keep:
            print(f"kept organization {organization.slug} (id {organization.pk}), its members and sessions")
        else:
            clean_up(organization, users, session_keys)
            print(f"cleaned up organization {organization.pk}, {len(users)} members and their sessions")
        connection.close()

    latencies: list[float] = []
    unknown = duplicates = 0
    seen: set[tuple[int, str]] = set()
    per_event: dict[str, int] = dict.fromkeys(commits, 0)
    failures: list[str] = []
    other_messages = 0
    for report in reports:
        if report is None:
            failures.append("a client process did not report")
            continue
        failures += report["failures"]
        other_messages += report["other_messages"]
        for client, key, at in report["receipts"]:
            if key == warm_key:
                continue
            if key not in commits:
                unknown += 1
                continue
            if (client, key) in seen:
                duplicates += 1
                continue
            seen.add((client, key))
            per_event[key] += 1
            latencies.append((at - commits[key]) * 1000)
    latencies.sort()
    received_count = len(latencies)
    lost = expected - received_count

    ingest_ms.sort()
    send_ms.sort()
    print(f"batches={batches} events_sent={len(commits)} batches_without_event={silent_batches} "
          f"elapsed_s={elapsed:.2f} achieved_rate={batches * args.batch / elapsed:.0f}/s "
          f"batches_late_by_more_than_an_interval={behind} drain_s={drained:.1f}")
    print(f"ingest_to_commit_ms p50={percentile(ingest_ms, 0.5):.1f} p95={percentile(ingest_ms, 0.95):.1f} "
          f"max={ingest_ms[-1]:.1f}  commit_to_broadcast_sent_ms p50={percentile(send_ms, 0.5):.1f} "
          f"p95={percentile(send_ms, 0.95):.1f} max={(send_ms or [float('nan')])[-1]:.1f}")
    print(f"receipts_expected={expected} receipts_received={received_count} lost={lost} "
          f"duplicates={duplicates} unknown_events={unknown} other_messages={other_messages}")
    if lost:
        short = sorted((count, key) for key, count in per_event.items() if count < connected)
        print(f"LOSS: {len(short)} of {len(commits)} events did not reach every client; fewest receipts: "
              f"{[count for count, _ in short[:10]]} of {connected}")
    for failure in failures[:10]:
        print(f"client failure: {failure}")
    if len(failures) > 10:
        print(f"... and {len(failures) - 10} more client failures")
    print(f"cpu_s over the run ({elapsed:.1f}s wall, {os.cpu_count()} cpus): server={cpu['server']:.1f} "
          f"clients={cpu['clients']:.1f} producer={cpu['producer']:.1f} "
          f"whole_machine={cpu['machine']:.1f} (PostgreSQL, Redis and anything else running included; "
          f"load average 1 min {load:.2f})")
    if latencies:
        print(f"latency_ms p50={percentile(latencies, 0.5):.1f} p95={percentile(latencies, 0.95):.1f} "
              f"p99={percentile(latencies, 0.99):.1f} max={latencies[-1]:.1f} "
              f"mean={statistics.fmean(latencies):.1f} min={latencies[0]:.1f}")
    print(f"clients={connected} rate={args.rate} p50_ms={percentile(latencies, 0.5):.0f} "
          f"p95_ms={percentile(latencies, 0.95):.0f}")


if __name__ == "__main__":
    main()
