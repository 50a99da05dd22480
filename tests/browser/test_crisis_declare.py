"""Declaring a crisis in a real browser: one click from a spike alert, the banner everywhere, live."""

import pytest
from playwright.sync_api import expect

from crisis import selectors
from crisis.models import AlertSeverity, AlertSource
from crisis.services import alerts as alert_services
from crisis.services import detection as detection_services

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_one_click_from_a_spike_alert_declares_and_the_banner_appears_everywhere(desk, login, app_server):
    organization = desk["organization"]
    topic = detection_services.watch_topic_create(organization=organization, name="Vol AD1234", terms=["ad1234"])
    alert, _ = alert_services.alert_raise(organization=organization, source=AlertSource.VOLUME_SPIKE,
                                          severity=AlertSeverity.CRITICAL, title="Mention spike on Vol AD1234",
                                          data={"topic_id": topic.pk})
    # A colleague's inbox is open: the banner reaches it live, without a reload.
    colleague = login(desk["alex"])
    colleague.goto(f"{app_server.url}/o/airdemo/inbox/")
    expect(colleague.locator("#live-indicator")).to_have_attribute("data-state", "live")
    expect(colleague.get_by_test_id("crisis-banner")).to_have_count(0)

    page = login(desk["camille"])
    page.goto(f"{app_server.url}/o/airdemo/alerts/{alert.pk}/")
    page.get_by_test_id("declare-now").click()
    page.wait_for_load_state()

    crisis = selectors.active_crisis(organization=organization)
    assert crisis is not None and crisis.from_alert_id == alert.pk and crisis.topic_ids == [topic.pk]
    assert page.url.endswith(f"/o/airdemo/crisis/{crisis.pk}/")  # the room (its page comes with the room's work)

    page.goto(f"{app_server.url}/o/airdemo/crisis/")
    banner = page.get_by_test_id("crisis-banner")
    expect(banner).to_contain_text("Crisis mode: Mention spike on Vol AD1234")
    expect(banner.get_by_role("link", name="Join the room")).to_have_attribute("href", f"/o/airdemo/crisis/{crisis.pk}/")
    expect(page.get_by_test_id("active-crisis")).to_contain_text("Mention spike on Vol AD1234")
    screenshot(page, "crisis-declared-list")

    expect(colleague.get_by_test_id("crisis-banner")).to_contain_text("Mention spike on Vol AD1234")
    # The alert now offers the room instead of a second crisis.
    page.goto(f"{app_server.url}/o/airdemo/alerts/{alert.pk}/")
    expect(page.get_by_test_id("declare-now")).to_have_count(0)
    expect(page.get_by_role("link", name="Join the room").first).to_be_visible()
