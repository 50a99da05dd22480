"""A channel's outage and recovery, live on every open page: the banner and the inbox's sidebar."""

import pytest
from playwright.sync_api import expect

from inbox.services.channels import DEGRADED_AFTER_FAILURES

from .conftest import screenshot
from .test_triage import open_inbox, poll_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_failing_channel_and_its_recovery_show_live_on_every_open_page(desk, login, sandbox):
    organization, channel = desk["organization"], desk["channel"]
    inbox = login(desk["camille"])
    open_inbox(inbox, organization)
    teams = inbox.context.new_page()
    teams.goto(inbox.url.split("/o/")[0] + f"/o/{organization.slug}/teams/")
    expect(teams.locator("#live-indicator")).to_have_attribute("data-state", "live")
    mark = inbox.locator(f'[data-channel-health="{channel.pk}"]')
    expect(mark).to_be_hidden()

    sandbox.fail("x", "error")  # X answers 500 to every poll
    for _ in range(DEGRADED_AFTER_FAILURES):
        poll_channel(channel.pk)

    for page in (inbox, teams):
        alert = page.locator(f'#channel-health [data-channel-id="{channel.pk}"]')
        expect(alert).to_contain_text("X @AirDemo")
        expect(alert).to_contain_text("keeps failing")
        expect(alert).to_contain_text("catches up on what was missed")
    expect(mark).to_be_visible()
    expect(mark).to_have_text("Degraded")
    expect(mark).to_have_attribute("title", f"X failed {DEGRADED_AFTER_FAILURES} times in a row: " +
                                   "X is having trouble (500) while reading mentions.")
    screenshot(inbox, "channel-degraded")

    sandbox.clear("x")
    sandbox.inject_x_mention("@AirDemo vous êtes revenus ?")
    assert poll_channel(channel.pk) == 1
    for page in (inbox, teams):
        expect(page.locator("#channel-health")).to_contain_text("X @AirDemo is working again")
        expect(page.locator(f'#channel-health [data-channel-id="{channel.pk}"]')).to_have_count(0)
    expect(mark).to_be_hidden()
