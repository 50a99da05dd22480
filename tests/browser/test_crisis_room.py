"""The crisis room in a real browser, on a phone: an executive joins, sees themself in the room,
watches the volume curve move as mentions arrive (ingestion → minute counters → the room's push),
approves the holding statement waiting for their sign-off and sees it published."""

import threading

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from crisis.models import CellRole
from crisis.services import cell
from crisis.services.room import room_series_push
from inbox.models import Conversation
from inbox.services import mentions_ingest
from inbox.tasks import poll_channel
from tests.factories import member, platform_item

from .conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# Runs before the page's own scripts (through the browser's devtools, which the policy does not govern).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI + " " + (event.sample || ""));
});
"""


def in_thread(function):
    """Runs a worker's job in its own thread (Playwright owns this one's event loop)."""
    from django.db import connection

    result = {}

    def work():
        try:
            result["value"] = function()
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(30)
    return result.get("value")


def test_an_executive_on_a_phone_watches_the_curve_move_and_signs_off_the_statement(desk, browser, app_server,
                                                                                       sandbox):
    organization, channel = desk["organization"], desk["channel"]
    executive = member(organization, Role.EXECUTIVE, email="dana@airdemo.example", full_name="Dana Direction",
                       language="en")
    crisis = cell.crisis_declare(organization=organization, actor=desk["camille"], title="AD1234 cancelled",
                                 severity=3, cell=[(executive.pk, CellRole.EXECUTIVE)])
    cache.clear()

    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    context.add_init_script(RECORD_VIOLATIONS)
    try:
        page = context.new_page()
        page.goto(app_server.url + "/login/")
        page.fill("#id_username", executive.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{app_server.url}/o/airdemo/crisis/{crisis.pk}/")
        expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

        # Joined by opening the page; read-only, without the cell's write controls.
        expect(page.get_by_test_id("room-present")).to_contain_text("Dana Direction")
        expect(page.get_by_test_id("room-readonly")).to_be_visible()
        assert page.locator(".room-task-form").count() == 0
        # One column on a phone: the chart fits the screen, drawn by the vendored uPlot.
        chart = page.get_by_test_id("room-chart")
        expect(chart.locator("canvas")).to_have_count(1)
        box = chart.bounding_box()
        assert box["width"] <= PHONE["width"] and box["x"] >= 0
        before = int(chart.get_attribute("data-total"))
        screenshot(page, "crisis-room-phone-before")

        now = timezone.now()
        items = [platform_item(f"storm-{n}", f"AD1234 annulé, remboursez-nous ! #{n}", author=f"angry{n}", at=now)
                 for n in range(12)]
        in_thread(lambda: mentions_ingest(channel=channel, items=items, now=now))
        assert in_thread(lambda: room_series_push(now=now)) == 1

        expect(chart).to_have_attribute("data-total", str(before + 12))
        expect(page.get_by_test_id("room-last-minute")).to_have_text("12")
        screenshot(page, "crisis-room-phone-after")

        # Severity 3: the holding statement a lead approved still needs an executive's sign-off.
        statement = in_thread(lambda: _statement_waiting_for_an_executive(crisis, desk))
        page.reload()
        card = page.get_by_test_id("statements-panel").locator(f"[data-statement='{statement.pk}']")
        expect(card.get_by_test_id("statement-status")).to_have_text("In review")
        card.get_by_test_id("approve").click()
        page.wait_for_load_state()
        card = page.get_by_test_id("statements-panel").locator(f"[data-statement='{statement.pk}']")
        expect(card.get_by_test_id("statement-status")).to_have_text("Approved")
        card.get_by_test_id("publish").click()
        page.wait_for_load_state()
        card = page.get_by_test_id("statements-panel").locator(f"[data-statement='{statement.pk}']")
        expect(card.get_by_test_id("statement-status")).to_have_text("Published")
        expect(card.locator("[data-testid=statement-post][data-state=posted]")).to_have_count(1)
        # Back on the room after each decision, and the timeline says who approved and that it went out.
        assert page.url.rstrip("/").endswith(f"/crisis/{crisis.pk}")
        timeline = page.get_by_test_id("room-timeline")
        expect(timeline.locator("[data-kind=statement]").filter(has_text="approved").filter(
            has_text="Dana Direction")).to_have_count(1)
        expect(timeline.locator("[data-kind=statement]").filter(has_text="published")).to_have_count(1)
        assert page.evaluate("window.__cspViolations") == []
    finally:
        context.close()
    assert [post["text"] for post in sandbox.posted("x")] == [HOLDING]


HOLDING = "We know flight AD1234 is cancelled and we are rebooking everyone. Details: https://airdemo.example/ad1234"


def _statement_waiting_for_an_executive(crisis, desk):
    from crisis.services import statements

    lead = member(desk["organization"], Role.LEAD, email="louis@airdemo.example", full_name="Louis Lead",
                  language="en")
    statement = statements.statement_draft(crisis=crisis, actor=desk["alex"], text=HOLDING,
                                           channel_ids=[desk["channel"].pk], title="Holding line")
    statements.statement_submit(statement=statement, actor=desk["alex"])
    statements.statement_approve(statement=statement, actor=lead)
    return statement


def test_the_cell_adds_a_task_and_a_source_live_and_an_agent_inserts_the_source_into_a_reply(
        desk, login, app_server, sandbox):
    organization = desk["organization"]
    camille, alex = desk["camille"], desk["alex"]
    crisis = cell.crisis_declare(organization=organization, actor=camille, title="AD1234 cancelled",
                                 cell=[(alex.pk, CellRole.COMMUNITY_LEAD)])
    watcher = login(alex)
    watcher.goto(f"{app_server.url}/o/airdemo/crisis/{crisis.pk}/")
    expect(watcher.locator("#live-indicator")).to_have_attribute("data-state", "live")

    lead = login(camille)
    lead.context.add_init_script(RECORD_VIOLATIONS)
    lead.goto(f"{app_server.url}/o/airdemo/crisis/{crisis.pk}/")
    lead.fill("#room-task-title", "Brief the call centre")
    lead.select_option("#room-task-owner", str(alex.pk))
    lead.click(".room-task-form button[type=submit]")
    expect(lead.get_by_test_id("room-tasks")).to_contain_text("Brief the call centre")
    lead.fill("#room-source-label", "Status page")
    lead.fill("#room-source-url", "https://status.airdemo.example/")
    lead.click(".room-source-form button[type=submit]")
    expect(lead.get_by_test_id("room-sources")).to_contain_text("Status page")
    lead.fill("#room-source-label", "Again")
    lead.fill("#room-source-url", "https://status.airdemo.example/")
    lead.click(".room-source-form button[type=submit]")
    expect(lead.locator("#room-sources .error")).to_contain_text("already among the sources")
    screenshot(lead, "crisis-room-desktop")

    # The other member's room follows without reloading: the task, and its line on the timeline.
    expect(watcher.get_by_test_id("room-tasks")).to_contain_text("Brief the call centre")
    expect(watcher.get_by_test_id("room-timeline")).to_contain_text("Brief the call centre")
    expect(watcher.get_by_test_id("room-present")).to_contain_text("Camille Martin")

    sandbox.inject_x_mention("@AirDemo mon vol AD1234 est annulé", author="marie_l")
    assert in_thread(lambda: poll_channel(desk["channel"].pk)) == 1
    conversation = Conversation.objects.for_organization(organization).get()
    lead.goto(f"{app_server.url}/o/airdemo/inbox/{conversation.pk}/")
    lead.fill("#reply-text", "Bonjour, tout est ici :")
    lead.get_by_test_id("reply-snippets").get_by_role("button", name="Status page").click()
    expect(lead.locator("#reply-text")).to_have_value("Bonjour, tout est ici : https://status.airdemo.example/")
    assert lead.evaluate("window.__cspViolations") == []
