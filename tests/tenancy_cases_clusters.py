"""Cross-tenant cases for the crisis queue, storm clusters and cluster replies (pages and API)."""

from collections.abc import Callable
from typing import Any

from accounts.models import Organization
from accounts.roles import Role


def cluster_in(organization: Organization, *, people: int = 1):
    """An active crisis with one cluster of `people` conversations (built directly: no ingestion needed)."""
    from django.utils import timezone

    from crisis.models import ClusterMention, Crisis, StormCluster
    from crisis.services.cell import crisis_declare
    from tests.factories import ConversationFactory, member

    crisis = Crisis.objects.for_organization(organization).filter(status="active").first()
    if crisis is None:
        lead = member(organization, Role.LEAD, email=f"victim-cluster-lead-{organization.pk}@example.com",
                      full_name="Victim lead")
        crisis = crisis_declare(organization=organization, actor=lead, title="Victim crisis", keywords=["AF123"])
    now = timezone.now()
    cluster = StormCluster.objects.create(
        organization=organization, crisis=crisis, label="Victim question: AF123 annulé ?", language="fr",
        words=["af123", "annul"], band_keys=[1, 2], count=people, created_at=now, last_mention_at=now)
    for n in range(people):
        conversation = ConversationFactory(organization=organization, preview="Victim AF123 annulé ?")
        ClusterMention.objects.create(organization=organization, crisis=crisis, cluster=cluster,
                                      conversation_id=conversation.pk, channel_id=conversation.channel_id,
                                      external_id=f"victim-{n}", author_handle=f"@victim{n}",
                                      author_name=f"Victim{n} Person", text="Victim AF123 annulé ?", created_at=now)
    return cluster


def _crisis(organization: Organization) -> dict[str, Any]:
    return {"pk": cluster_in(organization).crisis_id}


def _cluster_page(organization: Organization) -> dict[str, Any]:
    cluster = cluster_in(organization)
    return {"crisis_pk": cluster.crisis_id, "pk": cluster.pk}


def _cluster(organization: Organization) -> dict[str, Any]:
    return {"pk": cluster_in(organization).pk}


def _cluster_reply(organization: Organization) -> dict[str, Any]:
    from django.utils import timezone

    from crisis.models import ClusterReply

    cluster = cluster_in(organization)
    reply = ClusterReply.objects.create(organization=organization, crisis=cluster.crisis, cluster=cluster,
                                        actor=cluster.crisis.declared_by, text="Victim answer", total=1,
                                        started_at=timezone.now())
    return {"pk": reply.pk}


OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {
    "crisis-queue": _crisis,
    "crisis-cluster": _cluster_page,
    "crisis-cluster-preview": _cluster_page,
    "crisis-cluster-progress": _cluster_page,
    "api:storm-cluster-detail": _cluster,
    "api:storm-cluster-reply": _cluster,
    "api:cluster-reply-detail": _cluster_reply,
}
