"""The demo's (and drill's) clusters: filled from the inbox's conversations in the crisis's scope, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from crisis import demo_clusters
from crisis.models import StormCluster
from crisis.services.cell import crisis_close, crisis_declare
from tests.factories import ConversationFactory, member

pytestmark = pytest.mark.django_db


def test_seed_clusters_the_crisis_conversations_even_after_it_closed_and_only_once(organization):
    lead = member(organization, Role.LEAD, email="lead@airdemo.example")
    crisis = crisis_declare(organization=organization, actor=lead, title="AF123", keywords=["AF123"],
                            now=timezone.now() - timedelta(hours=1))
    for preview in ("Mon vol AF123 est-il annulé ?", "est ce que le vol AF123 est annulé", "AF123 remboursement ?",
                    "Rien à voir"):
        ConversationFactory(organization=organization, preview=preview, language="fr")
    crisis_close(crisis=crisis, actor=lead)

    assert demo_clusters.seed(organization, crisis) == 3
    assert demo_clusters.seed(organization, crisis) == 0
    assert sorted(StormCluster.objects.for_organization(organization).values_list("count", flat=True)) == [1, 2]
