"""Two community managers on the live desk, in two real browsers."""

import re

import pytest
from playwright.sync_api import expect

from inbox.models import Conversation, Message
from inbox.tasks import poll_channel as poll_channel_task
from tests.factories import OrganizationFactory, member

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def poll_channel(channel_id):
    """Runs the poll as a worker would: in its own thread (Playwright owns this one's event loop)."""
    import threading

    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("created", poll_channel_task(channel_id)))
    worker.start()
    worker.join(30)
    return result.get("created")


def open_inbox(page, organization):
    page.goto(page.url.split("/o/")[0] + f"/o/{organization.slug}/inbox/")
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")


def test_two_managers_triage_one_mention_live(desk, login, sandbox):
    organization = desk["organization"]
    camille = login(desk["camille"])
    alex = login(desk["alex"])
    open_inbox(camille, organization)
    open_inbox(alex, organization)

    # A mention arrives through the real pipeline: sandbox → connector → ingestion → websocket.
    sandbox.inject_x_mention("@AirDemo mon vol AD1234 est annulé et personne ne répond !", author="marie_l")
    assert poll_channel(desk["channel"].pk) == 1
    for page in (camille, alex):
        expect(page.locator("#new-bar")).to_be_visible()
        expect(page.locator("#new-count")).to_have_text("1")
        page.click("#show-new")
        expect(page.locator("#rows tr.row")).to_have_count(1)
        expect(page.locator("#rows")).to_contain_text("personne ne répond")
    screenshot(camille, "inbox")

    conversation = Conversation.objects.for_organization(organization).get()
    # Camille opens it from the keyboard; Alex opens it too and sees Camille there.
    camille.keyboard.press("j")
    camille.keyboard.press("Enter")
    expect(camille).to_have_url(re.compile(rf"/inbox/{conversation.pk}/$"))
    alex.click(f"#conversation-{conversation.pk} a.open")
    expect(alex.locator("#presence .presence-avatar[data-name='Camille Martin']")).to_be_visible()
    expect(camille.locator("#presence .presence-avatar[data-name='Alex Morgan']")).to_be_visible()

    # Camille types: Alex's composer warns him.
    camille.fill("#reply-text", "Bonjour Marie, nous regardons votre vol tout de suite.")
    expect(alex.locator("#typing-warning")).to_be_visible()
    expect(alex.locator("#typing-warning")).to_contain_text("Camille Martin")
    expect(camille.locator("#send-reply")).to_have_text("Reply as @AirDemo on X")
    screenshot(camille, "conversation")

    # Camille sends; Alex sees the reply and its delivery state change without reloading.
    camille.click("#send-reply")
    expect(alex.locator("[data-testid=delivery-state]")).to_have_text("Sent")
    expect(camille.locator("[data-testid=delivery-state]")).to_have_text("Sent")
    posted = sandbox.posted("x")
    assert [p["text"] for p in posted] == ["Bonjour Marie, nous regardons votre vol tout de suite."]

    # Alex had started writing before it went out: sending asks him first, showing Camille's reply.
    alex.fill("#reply-text", "Hello, we are on it")
    inbound_id = conversation.messages.get(direction="in").pk
    alex.evaluate(f"document.getElementById('seen-up-to').value = String({inbound_id})")
    alex.click("#send-reply")
    expect(alex.locator("#confirm-meanwhile")).to_be_visible()
    expect(alex.locator("#confirm-meanwhile-reply")).to_contain_text("Bonjour Marie")
    alex.click("#confirm-meanwhile-cancel")
    assert len(sandbox.posted("x")) == 1
    outbound = Message.objects.for_organization(organization).filter(direction="out")
    assert outbound.exclude(state="draft").count() == 1
    # Nothing Alex wrote is lost: it stays as his draft, which a backup would see.
    expect(alex.locator("#reply-text")).to_have_value("Hello, we are on it")


def test_answering_from_another_account_needs_confirmation(desk, login, sandbox):
    organization = desk["organization"]
    sandbox.inject_x_mention("@AirDemo où est ma valise ?", author="paul")
    poll_channel(desk["channel"].pk)
    conversation = Conversation.objects.for_organization(organization).get()
    page = login(desk["camille"])
    page.goto(page.url.split("/o/")[0] + f"/o/{organization.slug}/inbox/{conversation.pk}/")
    expect(page.locator("[data-testid=identity]")).to_contain_text("@AirDemo")
    expect(page.locator("[data-testid=identity-organization]")).to_have_text("AirDemo")

    page.select_option("#reply-channel", str(desk["jobs"].pk))
    dialog = page.locator("#confirm-channel")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("@AirDemo")
    expect(dialog).to_contain_text("@AirDemoJobs")
    screenshot(page, "composer-other-account")
    page.click("#confirm-channel-no")
    expect(page.locator("#reply-channel")).to_have_value(str(desk["channel"].pk))
    expect(page.locator("#send-reply")).to_have_text("Reply as @AirDemo on X")

    page.select_option("#reply-channel", str(desk["jobs"].pk))
    page.click("#confirm-channel-yes")
    expect(page.locator("#send-reply")).to_have_text("Reply as @AirDemoJobs on X")
    expect(page.locator("#identity-handle")).to_have_text("@AirDemoJobs")


def test_keyboard_triage_and_shortcuts(desk, login, sandbox):
    organization = desk["organization"]
    for n in range(3):
        sandbox.inject_x_mention(f"@AirDemo question numéro {n} sur les bagages", author=f"client{n}")
    poll_channel(desk["channel"].pk)
    page = login(desk["camille"])
    open_inbox(page, organization)
    expect(page.locator("#rows tr.row")).to_have_count(3)
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("#rows tr.row").nth(1)).to_have_class(re.compile("selected"))
    page.keyboard.press("a")  # assign to me
    expect(page.locator("#rows tr.row").nth(1).locator(".assignee .avatar")).to_have_text("CM")
    page.keyboard.press("e")  # close: the row stays put, dimmed, instead of jumping away
    expect(page.locator("#rows tr.row").nth(1)).to_have_class(re.compile("left-view"))
    assert Conversation.objects.for_organization(organization).filter(status="closed", assignee=desk["camille"]).count() == 1
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()


def test_live_indicator_goes_stale_and_catches_up(desk, login, sandbox, app_server):
    organization = desk["organization"]
    page = login(desk["camille"])
    open_inbox(page, organization)
    app_server.stop()
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "stale")
    expect(page.locator("#live-indicator")).to_have_text("Offline — reconnecting…")
    # Missed while offline: arrives in the database, no live event reaches this page.
    sandbox.inject_x_mention("@AirDemo vol annulé pendant la coupure", author="nuit")
    poll_channel(desk["channel"].pk)
    app_server.start()
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live", timeout=20_000)
    expect(page.locator("#rows")).to_contain_text("vol annulé pendant la coupure")


def test_an_agent_of_another_organization_reaches_nothing(desk, login, sandbox):
    organization = desk["organization"]
    sandbox.inject_x_mention("@AirDemo message confidentiel", author="vip")
    poll_channel(desk["channel"].pk)
    conversation = Conversation.objects.for_organization(organization).get()
    rival = OrganizationFactory(name="Rival", slug="rival")
    spy = member(rival, email="spy@rival.example")
    page = login(spy)
    base = page.url.split("/o/")[0]
    for path in (f"/o/{organization.slug}/inbox/", f"/o/{organization.slug}/inbox/{conversation.pk}/",
                 f"/o/rival/inbox/{conversation.pk}/", f"/api/v1/o/{organization.slug}/conversations/"):
        response = page.goto(base + path)
        assert response.status == 404, path
        expect(page.locator("body")).not_to_contain_text("confidentiel")
    page.goto(base + "/o/rival/inbox/")
    expect(page.locator("#rows")).not_to_contain_text("confidentiel")
    # Their websocket to our organization is refused.
    refused = page.evaluate(
        """slug => new Promise(resolve => {
            const socket = new WebSocket(location.origin.replace('http', 'ws') + '/ws/o/' + slug + '/');
            socket.onclose = event => resolve(event.code);
        })""",
        organization.slug,
    )
    assert refused == 4404
