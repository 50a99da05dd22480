"""`manage.py platform_sandbox [--port 8100]`: run the platform sandbox until Ctrl-C."""

from __future__ import annotations

import itertools
import sys
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from inbox.demo import known_posts
from inbox.sandbox import PlatformSandbox
from inbox.sandbox.known import remember


def start_sandbox(host: str, port: int) -> tuple[PlatformSandbox, int]:
    """A listening sandbox that knows every post the inbox holds, and how many that is."""
    sandbox = PlatformSandbox(host=host, port=port)
    # Ids continue from the clock rather than from 1: the demo database keeps what an earlier
    # sandbox produced, and a restarted sandbox reusing those ids would have its new mentions
    # taken for duplicates (and fall behind the channels' stored cursors).
    sandbox.state.counter = itertools.count(int(time.time() * 1000) % 10**12)
    # A restarted sandbox has forgotten every post; the inbox has not, and people reply to them.
    try:
        known = remember(sandbox, known_posts())
    except DatabaseError as error:  # not migrated yet: nothing was shown, so nothing to know
        sys.stderr.write(f"The sandbox starts knowing no earlier post (the database is not ready: {error}).\n")
        known = 0
    sandbox.start()
    return sandbox, known


class Command(BaseCommand):
    help = "Run the platform sandbox (X, Meta, Mastodon, Bluesky, web feeds) for the demo."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)

    def handle(self, *args, host: str, port: int, **options):
        try:
            sandbox, known = start_sandbox(host, port)
        except OSError as error:
            self.stderr.write(f"The sandbox cannot listen on {host}:{port} ({error}): is it already running? "
                              "Choose another port with --port (and VIGIE_SANDBOX_PORT for make run).")
            raise SystemExit(1) from error
        self.stdout.write(f"Platform sandbox listening at {sandbox.base_url}, knowing the inbox's {known} posts "
                          "(Ctrl-C stops it)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.stop()
