"""Statement pages: new statement from a crisis template, decisions as plain POSTs, another organization 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from crisis.models import Statement, StatementStatus
from crisis.services import cell
from crisis.services import statements as svc
from playbooks import services as guide_services
from playbooks.models import GuideVersion, VersionStatus
from tests.factories import member

HOLDING = "We are aware of the situation. Official information: {info_url}."


@pytest.fixture
def crisis(organization, agent):
    return cell.crisis_declare(organization=organization, actor=agent, title="Strike at CDG", severity=2)


@pytest.fixture
def lead2(organization):
    return member(organization, Role.LEAD, email="lead2@airdemo.example", full_name="Lou Lead")


def _url(organization, name, **kwargs):
    return reverse(name, kwargs={"organization_slug": organization.slug, **kwargs})


def _crisis_guide(organization, lead):
    content = {"scenarios": [
        {"key": "holding", "name": "Holding line", "crisis": True,
         "templates": [{"key": "holding-en", "language": "en", "label": "Holding line", "text": HOLDING}]},
        {"key": "delay", "name": "Delay", "templates": [{"key": "delay-en", "language": "en", "label": "Delay",
                                                         "text": "Hello {first_name}, sorry for the delay."}]}]}
    guide = guide_services.guide_create(organization=organization, actor=lead, name="Crisis guide", content=content)
    version = GuideVersion.objects.for_organization(organization).get(guide=guide)
    GuideVersion.objects.for_organization(organization).filter(pk=version.pk).update(status=VersionStatus.PUBLISHED)
    return version


def test_the_new_statement_form_offers_only_the_guides_crisis_templates(client_for, organization, crisis, agent, lead):
    _crisis_guide(organization, lead)
    page = client_for(agent).get(_url(organization, "statement-list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Crisis guide / Holding line / Holding line" in body
    assert "sorry for the delay" not in body


def test_drafting_from_a_template_and_sending_for_approval(client_for, organization, crisis, agent, lead):
    version = _crisis_guide(organization, lead)
    response = client_for(agent).post(_url(organization, "statement-list"), {
        "template": f"{version.pk}:holding-en", "text": "", "title": "", "submit": "1"})
    statement = Statement.objects.for_organization(organization).get()
    assert response.status_code == 302 and response.url == _url(organization, "statement-detail", pk=statement.pk)
    assert statement.status == StatementStatus.IN_REVIEW
    assert statement.template_name == "Crisis guide / Holding line / Holding line"
    assert selectors_text(statement) == HOLDING


def selectors_text(statement):
    from crisis import selectors

    return selectors.statement_current_text(statement=statement)


def test_approving_from_the_room_panel_returns_to_the_room(client_for, organization, crisis, agent, lead, executive):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    page = client_for(lead).get(_url(organization, "statement-list"))
    assert b'data-testid="approve"' in page.content
    response = client_for(lead).post(_url(organization, "statement-detail", pk=statement.pk), {
        "action": "approve", "version": "1", "next": "/o/airdemo/crisis/statements/"})
    assert response.status_code == 302 and response.url == "/o/airdemo/crisis/statements/"
    response = client_for(executive).post(_url(organization, "statement-detail", pk=statement.pk), {
        "action": "approve", "version": "1", "next": "https://evil.example/"})
    assert response.url == _url(organization, "statement-detail", pk=statement.pk)  # never off-site
    statement.refresh_from_db()
    assert statement.status == StatementStatus.APPROVED
    detail = client_for(executive).get(_url(organization, "statement-detail", pk=statement.pk))
    assert b"Version 1" in detail.content and b"Eve Executive" in detail.content


def test_bad_input_is_said_in_words(client_for, organization, crisis, agent, lead):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    client = client_for(lead)
    for data, words in (({"action": "reject", "version": "1", "reason": ""}, "Say why"),
                        ({"action": "approve", "version": "x"}, "version number is not valid"),
                        ({"action": "approve", "version": "7"}, "revised since"),
                        ({"action": "explode"}, "Unknown action"),
                        ({"action": "retry", "publication": "abc"}, "does not exist")):
        response = client.post(_url(organization, "statement-detail", pk=statement.pk), data, follow=True)
        assert response.status_code == 200 and words in response.content.decode(), data
    response = client.post(_url(organization, "statement-list"), {"text": "  "})
    assert response.status_code == 400 and b"empty" in response.content


def test_an_agent_cannot_approve_and_a_viewer_cannot_draft(client_for, organization, crisis, agent, lead, viewer):
    statement = svc.statement_draft(crisis=crisis, actor=lead, text=HOLDING)
    svc.statement_submit(statement=statement, actor=lead)
    response = client_for(agent).post(_url(organization, "statement-detail", pk=statement.pk),
                                      {"action": "approve", "version": "1"})
    assert response.status_code == 403
    assert client_for(viewer).post(_url(organization, "statement-list"), {"text": "Hello"}).status_code == 403


def test_another_organizations_statement_answers_404(client_for, organization, crisis, agent, outsider,
                                                     other_organization):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    client = client_for(outsider)
    # Through the victim's address, and through the attacker's own address naming the victim's statement.
    assert client.get(_url(organization, "statement-list")).status_code == 404
    assert client.get(_url(organization, "statement-detail", pk=statement.pk)).status_code == 404
    assert client.post(_url(organization, "statement-detail", pk=statement.pk), {"action": "submit"}).status_code == 404
    assert client.get(_url(other_organization, "statement-detail", pk=statement.pk)).status_code == 404
    assert client.post(_url(other_organization, "statement-detail", pk=statement.pk),
                       {"action": "submit"}).status_code == 404
    assert client.get(_url(other_organization, "statement-list") + f"?crisis={crisis.pk}").status_code == 404
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DRAFT


def test_without_an_active_crisis_the_page_says_so(client_for, organization, agent):
    page = client_for(agent).get(_url(organization, "statement-list"))
    assert page.status_code == 200 and b"No crisis is active" in page.content
    assert client_for(agent).post(_url(organization, "statement-list"), {"text": "Hi"}, follow=True).status_code == 200


def test_the_statement_pages_in_french_have_no_english_left(client_for, organization, crisis, agent, lead):
    from tests.config.test_french_everywhere import html_english_left

    french = member(organization, Role.EXECUTIVE, email="dir@airdemo.example", full_name="Dominique", language="fr")
    statement = svc.statement_draft(crisis=crisis, actor=agent, text="Nous sommes mobilisés.")
    svc.statement_submit(statement=statement, actor=agent)
    svc.statement_approve(statement=statement, actor=lead)
    client = client_for(french)
    for url in (_url(organization, "statement-list"), _url(organization, "statement-detail", pk=statement.pk)):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert page.status_code == 200
        assert html_english_left(page.content.decode()) == [], url
    refused = client.post(_url(organization, "statement-detail", pk=statement.pk),
                          {"action": "reject", "version": "1", "reason": ""}, follow=True)
    assert "Dites pourquoi" in refused.content.decode()
