"""The desk around the inbox, in real browsers, in English and in French: an invitation from the
admin's page to the newcomer's first login, and a snooze at "tomorrow 9:00" shown in Paris time."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership, User
from accounts.roles import Role
from inbox.models import Conversation
from tests.factories import ConversationFactory, MessageFactory, member

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"invite": "Send the invitation", "accept": "Accept the invitation", "tomorrow": "Tomorrow 9:00 (Paris)",
           "until": "until", "locale": "en-US"},
    "fr": {"invite": "Envoyer l'invitation", "accept": "Accepter l'invitation", "tomorrow": "Demain 9 h (Paris)",
           "until": "jusqu'à", "locale": "fr-FR"},
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_invitation_from_the_admin_page_to_the_first_login(desk, login, browser, app_server, language):
    organization = desk["organization"]
    words = WORDS[language]
    admin = member(organization, Role.ADMIN, email="admin@airdemo.example", full_name="Ada Admin", language=language)
    page = login(admin)
    page.goto(f"{app_server.url}/o/{organization.slug}/members/")
    page.fill("#id_email", "newcomer@example.com")
    page.select_option("#id_role", Role.AGENT)
    page.get_by_role("button", name=words["invite"]).click()
    expect(page.locator(".flash")).to_contain_text("newcomer@example.com")
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)

    newcomer = browser.new_context(viewport={"width": 1400, "height": 900}, locale=words["locale"])
    try:
        invited = newcomer.new_page()
        invited.goto(link)
        invited.fill("#id_full_name", "Noa Newcomer")
        invited.fill("#id_password", "a long new password")
        invited.get_by_role("button", name=words["accept"]).click()
        expect(invited.get_by_test_id("current-organization")).to_have_text("AirDemo")
        screenshot(invited, f"invitation-accepted-{language}")
        user = User.objects.get(email="newcomer@example.com")
        assert Membership.objects.for_organization(organization).get(user=user).role == Role.AGENT
        # The same link does not work twice.
        invited.goto(link)
        expect(invited.get_by_test_id("invitation-error")).to_be_visible()
        # First login with the password chosen on the invitation page.
        newcomer.clear_cookies()
        invited.goto(f"{app_server.url}/login/")
        invited.fill("#id_username", "newcomer@example.com")
        invited.fill("#id_password", "a long new password")
        invited.click("button[type=submit]")
        expect(invited.get_by_test_id("current-organization")).to_have_text("AirDemo")
    finally:
        newcomer.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_snooze_until_tomorrow_9_shows_9_in_paris_time(desk, login, app_server, language):
    organization = desk["organization"]
    words = WORDS[language]
    camille = desk["camille"]
    camille.language = language
    camille.save()
    conversation = ConversationFactory(organization=organization, channel=desk["channel"], status="open")
    MessageFactory(conversation=conversation, text="Mon vol est annulé, que faire ?")
    page = login(camille)
    page.goto(f"{app_server.url}/o/{organization.slug}/inbox/{conversation.pk}/")
    page.locator("[data-action=snooze]").click()
    page.locator("#snooze-dialog").get_by_role("button", name=words["tomorrow"]).click()
    header = page.locator(".conv-header")
    expect(header).to_contain_text(words["until"])
    expect(header).to_contain_text("09:00 (Paris)")
    screenshot(page, f"snoozed-until-tomorrow-{language}")
    conversation = Conversation.objects.for_organization(organization).get(pk=conversation.pk)
    woken = conversation.snoozed_until.astimezone(ZoneInfo("Europe/Paris"))
    assert (woken.hour, woken.minute) == (9, 0)
    assert woken.date() == (timezone.now().astimezone(ZoneInfo("Europe/Paris")) + timedelta(days=1)).date()


def test_a_role_change_reaches_the_open_page(desk, login, app_server):
    organization = desk["organization"]
    lead = member(organization, Role.LEAD, email="lead@airdemo.example", full_name="Lou Lead", language="en")
    page = login(lead)
    page.goto(f"{app_server.url}/o/{organization.slug}/inbox/")
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")
    expect(page.locator(".mainnav")).to_contain_text("Routing")
    import threading

    from accounts import services

    # As the admin's request would: in another thread (Playwright owns this one's event loop, and the
    # live event goes out through async_to_sync).
    membership = Membership.objects.for_organization(organization).get(user=lead)
    admin_request = threading.Thread(target=services.membership_change_role,
                                     kwargs={"membership": membership, "role": Role.AGENT})
    admin_request.start()
    admin_request.join(10)
    # Without touching the page: it follows the new role by itself.
    expect(page.locator(".mainnav")).not_to_contain_text("Routing")
    expect(page.locator(".mainnav")).to_contain_text("Channels")
