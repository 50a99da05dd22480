"""`manage.py demo_traffic [--per-minute 4]`: a normal day's flow into the sandbox, until Ctrl-C."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from inbox.demo_traffic import DEMO_FEEDS, run_normal_day, sandbox_url, wait_for_sandbox
from inbox.sandbox import SandboxClient


class Command(BaseCommand):
    help = "Inject a normal day's mentions, comments and private messages into the platform sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--per-minute", type=float, default=4.0, help="Items per minute (default 4).")
        parser.add_argument("--seed", type=int, default=None, help="Repeat the same traffic with the same seed.")
        parser.add_argument("--wait", type=float, default=60.0, help="Seconds to wait for the sandbox to answer.")

    def handle(self, *args, per_minute: float, seed: int | None, wait: float, **options):
        if per_minute <= 0:
            self.stderr.write("--per-minute must be more than 0.")
            raise SystemExit(2)
        client = SandboxClient(sandbox_url())
        wait_for_sandbox(client, timeout=wait)
        # The web channel watches these feeds: make them exist from the start, so it is healthy.
        for feed in DEMO_FEEDS:
            client.inject_feed_entry(feed, "AirDemo ouvre une ligne Paris–Montréal", summary="AirDemo annonce…")
        self.stdout.write(f"Demo traffic into {client.base_url}: about {per_minute:g} items a minute (Ctrl-C stops)")

        def report(item):
            self.stdout.write(f"{item['platform']:9} {item['text'][:90]}")

        try:
            run_normal_day(client, per_minute=per_minute, seed=seed if seed is not None else int(time.time()),
                           should_stop=lambda: False, report=report)
        except KeyboardInterrupt:
            self.stdout.write("Demo traffic stopped.")

