"""On call in real browsers: a lead builds a rota, a page reaches the agent live, the backup takes over."""

import threading
from datetime import date, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from crisis.ack_links import ack_url
from crisis.models import Alert, AlertStatus, Rota
from crisis.services import alerts as alert_services
from crisis.services import oncall as rota_services
from crisis.services import policies
from crisis.services.escalation import escalations_run_due
from inbox.models import Conversation
from inbox.services import conversation_assign
from inbox.tasks import poll_channel
from tests.factories import member

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_thread(function):
    """Runs a worker's job in its own thread (Playwright owns this one's event loop)."""
    from django.db import connection

    result = {}

    def work():
        try:
            result["value"] = function()
        finally:
            connection.close()  # the thread's own connection, or the test database cannot be dropped

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(30)
    return result.get("value")


def test_a_lead_builds_a_rota_with_an_override_on_the_page(desk, login, app_server):
    organization = desk["organization"]
    lead = member(organization, Role.LEAD, email="louis@airdemo.example", full_name="Louis Lead", language="en")
    page = login(lead)
    page.goto(f"{app_server.url}/o/airdemo/oncall/")
    page.fill("#id_rota_name", "Weekend desk")
    page.fill("#id_time_zone", "America/New_York")
    for person in ("Camille Martin", "Alex Morgan"):
        page.get_by_label(person).check()
    page.fill("#id_starts_on", "2026-01-05")
    page.fill("#id_handoff_time", "08:00")
    page.click("button:has-text('Create rota')")
    expect(page.get_by_test_id("rota-timeline")).to_be_visible()
    rota = Rota.objects.for_organization(organization).get()
    start = timezone.localtime(timezone.now() + timedelta(days=1), rota_services.rota_math.zone_for("America/New_York"))
    page.select_option("#id_override_user", label="Louis Lead")
    page.fill("#id_override_start", start.strftime("%Y-%m-%dT10:00"))
    page.fill("#id_override_end", start.strftime("%Y-%m-%dT14:00"))
    page.fill("#id_override_note", "Formation de Camille")
    page.click("button:has-text('Add override')")
    expect(page.get_by_test_id("override-list")).to_contain_text("Louis Lead")
    expect(page.locator(".timeline-overrides .segment-override")).to_contain_text("Louis Lead")
    expect(page.locator(".timeline-final .segment-override")).to_contain_text("Louis Lead")
    screenshot(page, "rota")
    override = rota.overrides.get()
    assert (override.starts_at.astimezone(rota_services.rota_math.zone_for("America/New_York")).hour, override.user) == (10, lead)


def test_a_page_reaches_the_on_call_agent_live_and_is_acknowledged_from_the_signed_link(desk, login, app_server, browser):
    organization, camille = desk["organization"], desk["camille"]
    lead = member(organization, Role.LEAD, email="louis@airdemo.example", full_name="Louis Lead", language="en")
    rota = rota_services.rota_create(organization=organization, actor=lead, name="Desk", time_zone="Europe/Paris",
                                     layers=[{"name": "All", "member_ids": [camille.pk], "starts_on": date(2026, 1, 5),
                                              "handoff_time": time(9)}])
    policy = policies.policy_create(organization=organization, actor=lead, name="Climb",
                                    steps=[{"notify": "rota", "rota_id": rota.pk, "wait_minutes": 5}, {"notify": "leads"}])
    policies.routing_rule_create(organization=organization, actor=lead, policy=policy, sources=[])
    page = login(camille)
    page.goto(f"{app_server.url}/o/airdemo/inbox/")
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

    alert, _ = alert_services.alert_raise(organization=organization, source="manual", severity="critical",
                                          title="Tous les vols CDG annulés", actor=lead)
    assert in_thread(escalations_run_due) == 1
    banner = page.get_by_test_id("alert-banner")
    expect(banner).to_have_attribute("data-state", "paged")
    expect(banner).to_contain_text("Tous les vols CDG annulés")
    screenshot(page, "paged")

    # The one-click link from the e-mail, opened on a phone where nobody is logged in.
    phone = browser.new_context(locale="en-US").new_page()
    phone.goto(ack_url(alert_id=alert.pk, user_id=camille.pk).replace("http://127.0.0.1:8000", app_server.url))
    phone.get_by_test_id("ack-button").click()
    expect(phone.get_by_test_id("ack-done")).to_be_visible()
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, camille)
    expect(banner).to_contain_text("acknowledged")
    phone.goto(f"{app_server.url}/ack/forged-token/")
    expect(phone.get_by_test_id("ack-problem")).to_contain_text("not valid")
    phone.context.close()
    assert Alert.objects.for_organization(organization).get().escalation_step == 1  # the climb stopped


def test_the_backup_takes_over_at_shift_change_and_replies_with_the_history(desk, login, app_server, sandbox):
    organization, camille, alex = desk["organization"], desk["camille"], desk["alex"]
    lead = member(organization, Role.LEAD, email="louis@airdemo.example", full_name="Louis Lead", language="en")
    rota = rota_services.rota_create(organization=organization, actor=lead, name="Desk", time_zone="Europe/Paris",
                                     layers=[{"name": "All", "member_ids": [camille.pk], "starts_on": date(2026, 1, 5),
                                              "handoff_time": time(9)}])
    now = timezone.now()
    # The shift changes now: Alex covers from this minute on.
    rota_services.override_create(rota=rota, actor=lead, user=alex, starts_at=now - timedelta(minutes=1),
                                  ends_at=now + timedelta(hours=8))
    # Two mentions from the same person arrive through the real pipeline; Camille held both.
    for text in ("@AirDemo Mon vol AD1234 est annulé", "@AirDemo Toujours rien pour AD1234 ?"):
        sandbox.inject_x_mention(text, author="marie_l")
    assert in_thread(lambda: poll_channel(desk["channel"].pk)) == 2
    held = list(Conversation.objects.for_organization(organization).order_by("pk"))
    for conversation in held:
        conversation_assign(conversation=conversation, assignee=camille, actor=camille)
    page = login(alex)
    page.goto(f"{app_server.url}/o/airdemo/oncall/handover/?rota={rota.pk}")
    expect(page.get_by_test_id("handover-people")).to_contain_text("Camille Martin hands over to Alex Morgan")
    expect(page.get_by_test_id("inherited")).to_contain_text("Toujours rien pour AD1234")
    screenshot(page, "handover")
    page.get_by_test_id("reassign-all").click()
    expect(page.locator(".flash")).to_contain_text("2 conversations reassigned")
    assert set(Conversation.objects.for_organization(organization).values_list("assignee", flat=True)) == {alex.pk}

    page.goto(f"{app_server.url}/o/airdemo/inbox/{held[1].pk}/")
    expect(page.locator("#main")).to_contain_text("Toujours rien pour AD1234")
    expect(page.locator("#main")).to_contain_text("Mon vol AD1234 est annulé")  # the person's other conversation
    page.fill("#reply-text", "Bonjour Marie, je reprends votre dossier.")
    page.click("#send-reply")
    expect(page.locator("[data-testid=delivery-state]")).to_have_text("Sent")
    assert [p["text"] for p in sandbox.posted("x")] == ["Bonjour Marie, je reprends votre dossier."]
