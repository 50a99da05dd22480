"""Statements in a real browser: an executive on a phone approves a holding statement and sees it published."""

import threading

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from crisis.models import CellRole, StatementStatus
from crisis.services import cell
from crisis.services import statements as statement_services
from tests.factories import member
from tests.inbox.test_tasks import sandbox_channel

from .conftest import PASSWORD, screenshot
from .test_content_security_policy import RECORD_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOLDING = "We are aware of the strike and fully mobilised. Flight by flight information: {info_url}."


def in_thread(function):
    """Database work from the test while Playwright owns this thread's event loop."""
    from django.db import connection

    result = {}

    def work():
        try:
            result["value"] = function()
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    return result.get("value")


@pytest.fixture
def crisis_desk(transactional_db, sandbox, browser):
    # In a thread of its own: the live events the services send cannot run inside Playwright's loop.
    return in_thread(lambda: _crisis_desk(sandbox))


def _crisis_desk(sandbox):
    from django.utils import timezone

    from crisis.models import InfoSource
    from tests.factories import OrganizationFactory

    organization = OrganizationFactory(name="AirDemo", slug="airdemo")
    agent = member(organization, Role.AGENT, email="camille@airdemo.example", full_name="Camille Martin", language="en")
    lead = member(organization, Role.LEAD, email="louis@airdemo.example", full_name="Louis Lead", language="en")
    executive = member(organization, Role.EXECUTIVE, email="eva@airdemo.example", full_name="Eva Direction",
                       language="en")
    x = sandbox_channel(organization, sandbox, "x")
    mastodon = sandbox_channel(organization, sandbox, "mastodon")
    crisis = cell.crisis_declare(organization=organization, actor=lead, title="ATC strike", severity=3,
                                 cell=[(executive.pk, CellRole.EXECUTIVE)])
    InfoSource.objects.create(organization=organization, crisis=crisis, label="Traffic",
                              url="https://airdemo.example/traffic", created_at=timezone.now())
    statement = statement_services.statement_draft(crisis=crisis, actor=agent, text=HOLDING,
                                                   channel_ids=[x.pk, mastodon.pk], title="Holding line")
    statement_services.statement_submit(statement=statement, actor=agent)
    statement_services.statement_approve(statement=statement, actor=lead)  # waits for the executive now
    return {"organization": organization, "executive": executive, "statement": statement}


def test_an_executive_on_a_phone_approves_and_sees_the_statement_published(browser, app_server, crisis_desk, sandbox):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.goto(app_server.url + "/login/")
        page.fill("#id_username", crisis_desk["executive"].email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(app_server.url + "/o/airdemo/crisis/statements/")
        card = page.locator("[data-testid=statement-card]").first
        expect(card.locator("[data-testid=statement-status]")).to_have_text("In review")
        expect(card).to_contain_text("waiting for 1 more approval(s), an executive's sign-off")
        approve = card.locator("[data-testid=approve]")
        box = approve.bounding_box()
        # A thumb-sized button across the phone's width, without scrolling sideways.
        assert box["width"] >= 300 and box["height"] >= 44 and box["x"] + box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "statements-phone-before")
        approve.click()
        page.wait_for_load_state()
        card = page.locator("[data-testid=statement-card]").first
        expect(card.locator("[data-testid=statement-status]")).to_have_text("Approved")
        card.locator("[data-testid=publish]").click()
        page.wait_for_load_state()
        card = page.locator("[data-testid=statement-card]").first
        expect(card.locator("[data-testid=statement-status]")).to_have_text("Published")
        # The publish task ran (eagerly, as a worker would): both posts are out, Mastodon's pinned.
        expect(card.locator("[data-testid=statement-post][data-state=posted]")).to_have_count(2)
        expect(card).to_contain_text("pinned")
        screenshot(page, "statements-phone-published")
        assert page.evaluate("window.__cspViolations") == []
    finally:
        context.close()
    posted = sandbox.posted("x")
    assert [p["text"] for p in posted] == [HOLDING.replace("{info_url}", "https://airdemo.example/traffic")]
    assert [p["kind"] for p in sandbox.posted("mastodon")] == ["status", "pin"]
    statement = crisis_desk["statement"]
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PUBLISHED


def test_the_panel_follows_a_decision_made_elsewhere_live(browser, app_server, crisis_desk):
    """The executive's page is open; the statement changes on someone else's screen: the panel follows."""
    organization = crisis_desk["organization"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(app_server.url + "/login/")
        page.fill("#id_username", crisis_desk["executive"].email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(app_server.url + "/o/airdemo/crisis/statements/")
        expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")
        card = page.locator("[data-testid=statement-card]").first
        expect(card.locator("[data-testid=statement-status]")).to_have_text("In review")

        def someone_else_rejects():
            from crisis.models import Statement

            other = member(organization, Role.EXECUTIVE, email="ceo@airdemo.example", full_name="Chris CEO")
            statement = Statement.objects.for_organization(organization).get()
            statement_services.statement_reject(statement=statement, actor=other, reason="Name the strike.")

        in_thread(someone_else_rejects)
        expect(page.locator("[data-testid=statement-card] [data-testid=statement-status]")).to_have_text("Draft")
        expect(page.locator("[data-testid=statement-card] [data-testid=approve]")).to_have_count(0)
    finally:
        context.close()
