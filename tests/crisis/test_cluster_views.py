"""The crisis queue and cluster pages, and the clusters API: who may see and answer, and another
organization's clusters answering 404 like missing ones."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from crisis.models import ClusterReply, ClusterReplyItem
from crisis.services import clusters as cluster_services
from tests.factories import member
from tests.tenancy_cases_clusters import cluster_in

pytestmark = pytest.mark.django_db

STATEMENT = "Bonjour {first_name}, le vol AF123 est annulé : tout est sur airdemo.example/af123."


@pytest.fixture
def cluster(organization):
    return cluster_in(organization, people=4)


@pytest.fixture
def statement(monkeypatch):
    """An approved statement (the statements work fills approved_statement_texts)."""
    monkeypatch.setattr("crisis.selectors.approved_statement_texts", lambda organization_id: (STATEMENT,))
    return STATEMENT


def _url(name, cluster, **extra):
    return reverse(name, kwargs={"organization_slug": cluster.organization.slug, "crisis_pk": cluster.crisis_id,
                                 "pk": cluster.pk, **extra})


def test_the_queue_shows_each_cluster_as_one_line_with_its_count(client_for, agent, cluster):
    response = client_for(agent).get(reverse("crisis-queue", kwargs={"organization_slug": "airdemo",
                                                                     "pk": cluster.crisis_id}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Victim question: AF123 annulé ?" in html and 'data-testid="cluster-count">4<' in html
    assert _url("crisis-cluster", cluster) in html


def test_the_cluster_page_lists_its_people_and_previews_the_answer_for_three(client_for, agent, cluster, statement):
    response = client_for(agent).get(_url("crisis-cluster", cluster))
    html = response.content.decode()
    assert response.status_code == 200 and html.count('data-conversation-id="') == 4
    assert "Bonjour Victim0, le vol AF123" in html and "Bonjour Victim2," in html and "Bonjour Victim3," not in html
    preview = client_for(agent).get(_url("crisis-cluster-preview", cluster), {"answer": "statement:0"})
    assert preview.status_code == 200 and "Bonjour Victim1," in preview.content.decode()


def test_answer_everyone_starts_a_cluster_reply(client_for, agent, cluster, statement, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(agent).post(_url("crisis-cluster", cluster), {"answer": "statement:0"})
    assert response.status_code == 302
    reply = ClusterReply.objects.for_organization(cluster.organization).get()
    assert reply.text == STATEMENT and reply.total == 4 and reply.actor == agent
    progress = client_for(agent).get(_url("crisis-cluster-progress", cluster))
    assert 'data-testid="progress-total">4<' in progress.content.decode()


def test_an_unknown_answer_is_refused_in_words(client_for, agent, cluster, statement):
    response = client_for(agent).post(_url("crisis-cluster", cluster), {"answer": "statement:99"}, follow=True)
    assert "Pick one of the approved statements or templates." in response.content.decode()
    assert not ClusterReply.objects.for_organization(cluster.organization).exists()


def test_a_viewer_sees_the_cluster_but_cannot_answer_it(client_for, viewer, cluster, statement):
    page = client_for(viewer).get(_url("crisis-cluster", cluster))
    assert page.status_code == 200 and 'data-testid="answer-everyone"' not in page.content.decode()
    assert client_for(viewer).post(_url("crisis-cluster", cluster), {"answer": "statement:0"}).status_code == 403
    assert not ClusterReply.objects.for_organization(cluster.organization).exists()


def test_another_organizations_cluster_pages_answer_404(client_for, outsider, other_organization, cluster, statement):
    client = client_for(outsider)
    mine = cluster_in(other_organization)
    for name in ("crisis-cluster", "crisis-cluster-preview", "crisis-cluster-progress"):
        # Their own organization's address naming our cluster, and ours.
        theirs = reverse(name, kwargs={"organization_slug": mine.organization.slug, "crisis_pk": mine.crisis_id,
                                       "pk": cluster.pk})
        assert client.get(theirs).status_code == 404
        assert client.get(_url(name, cluster)).status_code == 404
    assert client.post(_url("crisis-cluster", cluster), {"answer": "statement:0"}).status_code == 404
    assert client.get(reverse("crisis-queue", kwargs={"organization_slug": mine.organization.slug,
                                                      "pk": cluster.crisis_id})).status_code == 404


# --- API ----------------------------------------------------------------------------------------------

def _api(path, organization="airdemo"):
    return f"/api/v1/o/{organization}/{path}"


def test_the_api_lists_the_active_crisis_clusters_and_one_with_its_people(api_for, agent, cluster):
    api = api_for(agent)
    listed = api.get(_api("clusters/"))
    assert listed.status_code == 200 and [c["id"] for c in listed.json()] == [cluster.pk]
    assert listed.json()[0]["count"] == 4
    detail = api.get(_api(f"clusters/{cluster.pk}/"))
    assert detail.status_code == 200 and len(detail.json()["people"]) == 4
    assert api.get(_api("clusters/"), {"crisis": "x"}).status_code == 400


def test_the_api_starts_a_cluster_reply_and_says_why_it_refuses(api_for, agent, cluster,
                                                                 django_capture_on_commit_callbacks):
    api = api_for(agent)
    refused = api.post(_api(f"clusters/{cluster.pk}/reply/"), {"text": "Bonjour {prenom}"}, format="json")
    assert refused.status_code == 400 and "{prenom}" in str(refused.json())
    with django_capture_on_commit_callbacks(execute=False):
        started = api.post(_api(f"clusters/{cluster.pk}/reply/"), {"text": STATEMENT}, format="json")
    assert started.status_code == 202 and started.json()["total"] == 4
    progress = api.get(_api(f"cluster-replies/{started.json()['id']}/"))
    assert progress.status_code == 200 and progress.json()["status"] == "running"


def test_answering_through_the_api_needs_the_reply_permission(api_for, viewer, cluster):
    response = api_for(viewer).post(_api(f"clusters/{cluster.pk}/reply/"), {"text": STATEMENT}, format="json")
    assert response.status_code == 403
    assert api_for(viewer).get(_api("clusters/")).status_code == 200


def test_another_organizations_clusters_are_not_found_through_the_api(api_for, outsider, other_organization, cluster):
    api = api_for(outsider)
    theirs = other_organization.slug
    assert api.get(_api("clusters/", theirs)).json() == []
    assert api.get(_api(f"clusters/{cluster.pk}/", theirs)).status_code == 404
    assert api.post(_api(f"clusters/{cluster.pk}/reply/", theirs), {"text": STATEMENT}, format="json").status_code == 404
    assert api.get(_api("clusters/")).status_code == 404  # our organization's address: not a member
    reply = ClusterReply.objects.create(organization=cluster.organization, crisis=cluster.crisis, cluster=cluster,
                                        actor=cluster.crisis.declared_by, text="x", total=1,
                                        started_at=cluster.created_at)
    assert api.get(_api(f"cluster-replies/{reply.pk}/", theirs)).status_code == 404
    assert not ClusterReplyItem.objects.unscoped().exists()


def test_the_room_panel_shows_the_top_clusters_with_a_link_to_the_queue(organization, cluster):
    from django.template.loader import render_to_string

    html = render_to_string("crisis/room/_clusters.html", {"crisis": cluster.crisis, "membership": None})
    assert "Victim question: AF123 annulé ?" in html and "4" in html
    assert reverse("crisis-queue", kwargs={"organization_slug": organization.slug, "pk": cluster.crisis_id}) in html


def test_personalise_is_what_the_preview_shows():
    assert cluster_services.personalise(STATEMENT, name="Zoé D", handle="@z").startswith("Bonjour Zoé,")
    assert member  # noqa: B018 - factories imported for the fixtures' organizations
    assert Role.AGENT
