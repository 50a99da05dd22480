"""Run inside the private stack's environment (a subprocess): a crisis for the storm-reply fault test.

`python -m tests.faults.cluster_admin declare --organization SLUG` declares a crisis on AF123 (the
agent of tests/faults/stack_admin.py declares it); `... answer --organization SLUG --text TEXT`
answers the largest cluster and prints the cluster reply's id and its number of people as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _agent(organization):
    from accounts.models import Membership

    return Membership.objects.for_organization(organization).select_related("user").first().user


def declare(slug: str) -> dict:
    from accounts.models import Organization
    from crisis.services.cell import crisis_declare

    organization = Organization.objects.get(slug=slug)
    crisis = crisis_declare(organization=organization, actor=_agent(organization), title="AF123 annulé",
                            keywords=["AF123"])
    return {"crisis_id": crisis.pk}


def _approve_statement(crisis, text: str) -> None:
    from accounts.roles import Role
    from crisis.services import statements
    from tests.factories import member

    author = _agent(crisis.organization)
    statement = statements.statement_draft(crisis=crisis, actor=author, text=text, title="AF123")
    statements.statement_submit(statement=statement, actor=author)
    for n in (1, 2):
        approver = member(crisis.organization, Role.LEAD, email=f"approver{n}@fault.example", full_name=f"Approver {n}")
        statements.statement_approve(statement=statement, actor=approver)


def answer(slug: str, text: str) -> dict:
    from accounts.models import Organization
    from crisis import selectors
    from crisis.services.clusters import cluster_reply_start

    organization = Organization.objects.get(slug=slug)
    crisis = selectors.active_crisis(organization=organization)
    _approve_statement(crisis, text)  # crisis rules: the crisis queue is answered with approved words only
    cluster = selectors.crisis_clusters(crisis=crisis).first()
    reply = cluster_reply_start(cluster=cluster, actor=_agent(organization), text=text)
    return {"reply_id": reply.pk, "total": reply.total, "cluster_id": cluster.pk}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    declare_one = commands.add_parser("declare")
    declare_one.add_argument("--organization", required=True)
    answer_one = commands.add_parser("answer")
    answer_one.add_argument("--organization", required=True)
    answer_one.add_argument("--text", required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    result = declare(args.organization) if args.command == "declare" else answer(args.organization, args.text)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
