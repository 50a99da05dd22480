"""The crisis report in a real browser: its charts draw under the strict CSP, it prints, it downloads."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from crisis.models import CellRole
from tests.crisis.report_fixtures import declare, minute_counters, queue_conversations, script_timeline
from tests.factories import OrganizationFactory, member

from .conftest import screenshot
from .test_content_security_policy import RECORD_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_report_draws_its_charts_without_script_or_style_attributes_and_downloads(login, app_server):
    organization = OrganizationFactory(name="AirDemo", slug="airdemo")
    lead = member(organization, Role.LEAD, email="lead@airdemo.example", full_name="Léa Lead", language="en")
    executive = member(organization, Role.EXECUTIVE, email="exec@airdemo.example", full_name="Eve Executive")
    agent = member(organization, Role.AGENT, email="agent@airdemo.example", full_name="Cody Agent")
    crisis = declare(organization, lead, title="Flight AD1234 cancelled",
                     cell_members=[(lead.pk, CellRole.CRISIS_LEAD), (executive.pk, CellRole.EXECUTIVE)])
    script_timeline(crisis, lead=lead, executive=executive, agent=agent)
    minute_counters(organization)
    queue_conversations(crisis, agent=agent)

    page = login(lead)
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{app_server.url}/o/{organization.slug}/crisis/{crisis.pk}/report/")
    expect(page.locator("[data-testid=chart-volume] svg polygon").first).to_be_visible()
    expect(page.locator("[data-testid=chart-share] svg polyline").first).to_be_attached()
    expect(page.locator("[data-testid=report-times]")).to_contain_text("40 s")
    expect(page.locator("[data-report-print]")).to_be_visible()  # shown by static/js/crisis-report.js
    screenshot(page, "crisis-report")
    with page.expect_download() as download:
        page.click("[data-testid=report-pdf]")
    assert download.value.suggested_filename == f"crisis-{crisis.pk}-flight-ad1234-cancelled.pdf"
    assert page.evaluate("window.__cspViolations") == []
