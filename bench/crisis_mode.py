"""Crisis mode's costs: the per-reply and per-policy checks, and switching the mode on a busy desk.

Usage: python bench/crisis_mode.py [--conversations 10000] [--keep]

It creates its own organization with `--conversations` open conversations whose first-response
clocks run, then measures:
- state_us / factor_us: one `crisis_state` (the guides' linter asks it per reply) and one
  `sla_factor` (the inbox's policy asks it), in microseconds, averaged over 2,000 calls, in normal
  mode and in crisis mode;
- declare_s: declaring a crisis and everything done after it commits (every running clock
  re-timed, the catch-up over the last hour's mentions), in seconds; close_s: closing it.

The last line is machine-readable:
``conversations=<n> state_us=<n> factor_us=<n> crisis_state_us=<n> declare_s=<n> close_s=<n>``
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import django_setup, purge_organizations, quiet_query_log  # noqa: E402


def _average_us(function, organization_id: int, calls: int = 2000) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function(organization_id)
    return round((time.perf_counter() - start) / calls * 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    django_setup()
    quiet_query_log()
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Membership, Organization, User
    from crisis import mode
    from crisis.services import cell
    from inbox.models import Channel, Contact, Conversation
    from inbox.services import clocks

    suffix = uuid.uuid4().hex[:8]
    organization = Organization.objects.create(name=f"Bench crisis {suffix}", slug=f"bench-crisis-{suffix}")
    try:
        user = User.objects.create_user(email=f"lead-{suffix}@bench.example", password=None)
        Membership.objects.create(organization=organization, user=user, role="admin")
        channel = Channel.objects.create(organization=organization, platform="x", external_account_id=suffix,
                                         handle="@bench")
        contact = Contact.objects.create(organization=organization, platform="x", external_id=suffix, handle="@c",
                                         first_seen_at=timezone.now(), last_seen_at=timezone.now())
        now = timezone.now()
        policy = clocks.policy_for(organization)
        rows = []
        for n in range(args.conversations):
            conversation = Conversation(organization=organization, channel=channel, contact=contact,
                                        thread_key=f"t{n}", status="open", created_at=now - timedelta(minutes=30),
                                        last_message_at=now)
            clocks.start(conversation, policy=policy, at=now - timedelta(minutes=30))
            rows.append(conversation)
        Conversation.objects.for_organization(organization).bulk_create(rows, batch_size=2000)

        state_us = _average_us(mode.crisis_state, organization.pk)
        factor_us = _average_us(mode.sla_factor, organization.pk)
        start = time.perf_counter()
        with transaction.atomic():
            crisis = cell.crisis_declare(organization=organization, actor=user, title="Bench storm", severity=4)
        declare_s = round(time.perf_counter() - start, 2)
        crisis_state_us = _average_us(mode.crisis_state, organization.pk)
        start = time.perf_counter()
        with transaction.atomic():
            cell.crisis_close(crisis=crisis, actor=user, summary="Bench over")
        close_s = round(time.perf_counter() - start, 2)
    finally:
        if not args.keep:
            purge_organizations([organization.pk])
    print(f"conversations={args.conversations} state_us={state_us} factor_us={factor_us} "
          f"crisis_state_us={crisis_state_us} declare_s={declare_s} close_s={close_s}")


if __name__ == "__main__":
    main()
