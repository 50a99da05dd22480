"""`manage.py simulate_crisis [--minutes 10 --rate 300]`: a storm of angry mentions into the sandbox.

Sunday, 2 a.m.: every AirDemo flight out of CDG is cancelled, hundreds of stranded passengers post at
once, and the posts that matter are retweeted more every minute.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from inbox.demo_traffic import run_crisis, sandbox_url, wait_for_sandbox
from inbox.sandbox import SandboxClient


class Command(BaseCommand):
    help = "Unleash a crisis storm (cancelled flights, hundreds of angry mentions a minute) into the sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=10.0)
        parser.add_argument("--rate", type=int, default=300, help="Items per minute at the peak (default 300).")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, minutes: float, rate: int, seed: int | None, **options):
        if minutes <= 0 or rate <= 0:
            self.stderr.write("--minutes and --rate must be more than 0.")
            raise SystemExit(2)
        client = SandboxClient(sandbox_url())
        wait_for_sandbox(client, timeout=10)
        self.stdout.write(f"Crisis storm into {client.base_url}: {rate} items a minute for {minutes:g} minutes "
                          "(Ctrl-C stops)")

        def report(minute, injected):
            self.stdout.write(f"minute {minute + 1}: {injected} items so far")

        try:
            total = run_crisis(client, minutes=minutes, per_minute=rate,
                               seed=seed if seed is not None else int(time.time()),
                               should_stop=lambda: False, report=report)
        except KeyboardInterrupt:
            self.stdout.write("Storm stopped.")
            return
        self.stdout.write(f"Storm over: {total} items injected.")
