"""The pages work under the Content-Security-Policy, with what inline code did moved to static/js."""

import pytest
from playwright.sync_api import expect

from inbox.models import Conversation

from .test_triage import poll_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before the page's own scripts (through the browser's devtools, which the policy does not govern).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI + " " + (event.sample || ""));
});
"""


def test_pages_work_under_the_policy_without_a_single_violation(desk, login, sandbox):
    organization = desk["organization"]
    sandbox.inject_x_mention("@AirDemo valise perdue à CDG", author="marie_l")
    assert poll_channel(desk["channel"].pk) == 1
    conversation = Conversation.objects.for_organization(organization).get()

    page = login(desk["camille"])
    page.context.add_init_script(RECORD_VIOLATIONS)
    base = page.url.split("/o/")[0]
    page.goto(f"{base}/o/{organization.slug}/inbox/{conversation.pk}/")
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

    # The organization's colour, formerly a style attribute, set by static/js/pages.js.
    brand = page.evaluate("getComputedStyle(document.querySelector('.topbar')).getPropertyValue('--brand').trim()")
    assert brand == "#0a5cad"
    # A note empties its box once saved (formerly an hx-on attribute, which needs eval).
    page.fill("#note-text", "Vérifier le dossier bagage")
    page.click(".note-form button[type=submit]")
    expect(page.locator("#thread")).to_contain_text("Vérifier le dossier bagage")
    expect(page.locator("#note-text")).to_have_value("")
    assert page.evaluate("window.__cspViolations") == []

    # The language menu submits itself (formerly an onchange attribute).
    page.click(".user-menu summary")  # "Log out" lives in the user menu
    page.click("form[action$='/logout/'] button")
    page.goto(f"{base}/login/")
    page.select_option("#language", "fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.evaluate("window.__cspViolations") == []
