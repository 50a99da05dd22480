"""The crisis cell's pages: the list, declaring by hand or in one click from an alert, closing, the banner."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from crisis import selectors
from crisis.models import AlertSeverity, AlertSource, CellRole, CrisisStatus
from crisis.services import alerts as alert_services
from crisis.services import cell
from crisis.services import detection as detection_services
from tests.config.test_french_everywhere import html_english_left
from tests.factories import ChannelFactory, member

pytestmark = pytest.mark.django_db

SLUG = {"organization_slug": "airdemo"}


@pytest.fixture
def spike(organization):
    topic = detection_services.watch_topic_create(organization=organization, name="Vol AD1234", terms=["ad1234"])
    alert, _ = alert_services.alert_raise(organization=organization, source=AlertSource.VOLUME_SPIKE,
                                          severity=AlertSeverity.CRITICAL, title="Mention spike on Vol AD1234",
                                          data={"topic_id": topic.pk, "url": "/o/airdemo/inbox/"})
    return alert


def test_one_click_from_a_spike_alert_declares_with_the_alert_topic_and_the_declarer_leading(
        organization, agent, spike, client_for, rota):
    client = client_for(agent)
    page = client.get(reverse("alert-detail", kwargs={**SLUG, "pk": spike.pk}))
    assert b'data-testid="declare-now"' in page.content
    response = client.post(reverse("crisis-declare", kwargs=SLUG), {"quick": "1", "from_alert": spike.pk})
    crisis = selectors.active_crisis(organization=organization)
    assert response.status_code == 302 and response["Location"] == f"/o/airdemo/crisis/{crisis.pk}/"
    assert crisis.from_alert == spike and crisis.topic_ids == [spike.data["topic_id"]] and crisis.severity == 3
    roles = {m.user_id: m.role for m in selectors.crisis_members(crisis=crisis)}
    assert roles[agent.pk] == CellRole.CRISIS_LEAD
    on_call = selectors.on_call_at(rota=rota, at=crisis.declared_at).user_id
    if on_call != agent.pk:
        assert roles[on_call] == CellRole.COMMUNITY_LEAD
    # Every page now carries the banner; the alert offers the room instead of a second crisis.
    page = client.get(reverse("alert-detail", kwargs={**SLUG, "pk": spike.pk}))
    assert b'data-testid="crisis-banner"' in page.content and b'data-testid="declare-now"' not in page.content


def test_the_form_is_prefilled_from_the_alert_and_declares_with_the_cell_by_role(
        organization, agent, lead, executive, spike, client_for):
    client = client_for(agent)
    form = client.get(reverse("crisis-declare", kwargs=SLUG), {"alert": spike.pk}).content.decode()
    assert 'value="Mention spike on Vol AD1234"' in form and f'name="from_alert" value="{spike.pk}"' in form
    channel = ChannelFactory(organization=organization)
    response = client.post(reverse("crisis-declare", kwargs=SLUG), {
        "title": "Grève CDG", "severity": "4", "keywords": "grève, CDG", "channels": [channel.pk],
        "topics": [spike.data["topic_id"]], "from_alert": spike.pk,
        "cell_crisis_lead": [lead.pk], "cell_executive": [executive.pk], "cell_legal": [executive.pk]})
    assert response.status_code == 302
    crisis = selectors.active_crisis(organization=organization)
    assert (crisis.title, crisis.severity, crisis.keywords, crisis.channel_ids) == ("Grève CDG", 4, ["cdg", "grève"],
                                                                                  [channel.pk])
    roles = {m.user_id: m.role for m in selectors.crisis_members(crisis=crisis)}
    assert roles == {lead.pk: CellRole.CRISIS_LEAD, executive.pk: CellRole.EXECUTIVE}


def test_bad_declarations_are_explained_not_crashed(organization, agent, outsider, client_for):
    client = client_for(agent)
    response = client.post(reverse("crisis-declare", kwargs=SLUG), {"title": "", "severity": "9"})
    assert response.status_code == 400 and b"This field is required" in response.content
    response = client.post(reverse("crisis-declare", kwargs=SLUG), {"title": "X", "severity": "2",
                                                                     "cell_pr": [outsider.pk]})
    assert response.status_code == 400
    cell.crisis_declare(organization=organization, actor=agent, title="First")
    response = client.post(reverse("crisis-declare", kwargs=SLUG), {"title": "Second", "severity": "2"})
    assert response.status_code == 400 and b"already open" in response.content


def test_the_list_puts_the_active_crisis_on_top_and_links_past_reports(organization, agent, client_for):
    past = cell.crisis_declare(organization=organization, actor=agent, title="Panne de l'appli")
    cell.crisis_close(crisis=past, actor=agent, summary="Réparée")
    active = cell.crisis_declare(organization=organization, actor=agent, title="Grève CDG")
    page = client_for(agent).get(reverse("crisis-list", kwargs=SLUG)).content.decode()
    assert page.index("Grève CDG") < page.index("Panne de l&#x27;appli")
    assert f'href="/o/airdemo/crisis/{active.pk}/"' in page
    assert f'href="/o/airdemo/crisis/{past.pk}/report/"' in page


def test_closing_belongs_to_the_crisis_lead_or_a_lead(organization, agent, lead, backup, client_for):
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Grève CDG",
                                 cell=[(backup.pk, CellRole.CUSTOMER_CARE)])
    url = reverse("crisis-close", kwargs={**SLUG, "pk": crisis.pk})
    assert client_for(backup).post(url, {"summary": "Fini"}).status_code == 403
    viewer = member(organization, Role.VIEWER, email="v@airdemo.example")
    assert client_for(viewer).get(url).status_code == 403
    assert client_for(lead).get(url).status_code == 200
    assert client_for(agent).post(url, {"summary": ""}).status_code == 400
    response = client_for(agent).post(url, {"summary": "Trafic revenu à la normale"})
    assert response.status_code == 302
    crisis.refresh_from_db()
    assert crisis.status == CrisisStatus.CLOSED and crisis.closing_summary == "Trafic revenu à la normale"
    page = client_for(agent).get(reverse("crisis-list", kwargs=SLUG))
    assert b'data-testid="crisis-banner"' not in page.content


def test_viewers_cannot_declare(organization, viewer, client_for):
    client = client_for(viewer)
    assert client.get(reverse("crisis-declare", kwargs=SLUG)).status_code == 403
    assert client.post(reverse("crisis-declare", kwargs=SLUG), {"title": "X", "severity": "2"}).status_code == 403
    assert client.get(reverse("crisis-list", kwargs=SLUG)).status_code == 200


def test_another_organizations_crisis_and_alert_answer_404(organization, other_organization, agent, outsider,
                                                           client_for):
    theirs = cell.crisis_declare(organization=other_organization, actor=outsider, title="Theirs")
    their_alert, _ = alert_services.alert_raise(organization=other_organization, source=AlertSource.VOLUME_SPIKE,
                                                severity=AlertSeverity.HIGH, title="Their spike")
    client = client_for(agent)
    assert client.get(reverse("crisis-close", kwargs={**SLUG, "pk": theirs.pk})).status_code == 404
    assert client.post(reverse("crisis-close", kwargs={**SLUG, "pk": theirs.pk}), {"summary": "x"}).status_code == 404
    assert client.get(reverse("crisis-declare", kwargs=SLUG), {"alert": their_alert.pk}).status_code == 404
    assert client.post(reverse("crisis-declare", kwargs=SLUG), {"quick": "1", "from_alert": their_alert.pk}).status_code == 404
    assert b"Theirs" not in client.get(reverse("crisis-list", kwargs=SLUG)).content
    assert client.get(reverse("crisis-list", kwargs={"organization_slug": "rival"})).status_code == 404
    assert selectors.active_crisis(organization=organization) is None


def test_the_banner_fragment_follows_the_crisis(organization, agent, client_for):
    client = client_for(agent)
    assert b"crisis-banner" in client.get(reverse("crisis-banner", kwargs=SLUG)).content
    assert b'data-testid="crisis-banner"' not in client.get(reverse("crisis-banner", kwargs=SLUG)).content
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Grève CDG")
    fragment = client.get(reverse("crisis-banner", kwargs=SLUG)).content.decode()
    assert "Grève CDG" in fragment and f"/o/airdemo/crisis/{crisis.pk}/" in fragment


def test_the_pages_speak_french(organization, agent, spike, client_for):
    organization.language = "fr"
    organization.save(update_fields=["language"])
    agent.language = "fr"
    agent.save(update_fields=["language"])
    client = client_for(agent)
    declare = client.get(reverse("crisis-declare", kwargs=SLUG), {"alert": spike.pk}).content.decode()
    assert "Déclarer une crise" in declare
    assert html_english_left(declare) == []
    client.post(reverse("crisis-declare", kwargs=SLUG), {"quick": "1", "from_alert": spike.pk})
    crisis = selectors.active_crisis(organization=organization)
    for url in (reverse("crisis-list", kwargs=SLUG), reverse("crisis-close", kwargs={**SLUG, "pk": crisis.pk}),
                reverse("alert-detail", kwargs={**SLUG, "pk": spike.pk})):
        page = client.get(url).content.decode()
        assert "Mode crise" in page, url
        assert html_english_left(page) == [], url
