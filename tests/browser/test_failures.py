"""Failures in plain sight, in two real browsers (issue 10, item 4): a reply that may have been
posted shows on its row and in "Failed sends"; a colleague retries it and everyone sees the
outcome without reloading. In English and in French."""

import re
import threading

import pytest
from playwright.sync_api import expect

from inbox import services
from inbox.models import Conversation, DeliveryState, Message

from .conftest import screenshot
from .test_triage import open_inbox, poll_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"badge": "Maybe sent", "view": "Failed sends", "sent": "Sent",
           "reason": "Maybe sent: the platform did not confirm this reply. Check the brand account's replies on the "
                     "platform before retrying."},
    "fr": {"badge": "Peut-être envoyé", "view": "Envois échoués", "sent": "Envoyé",
           "reason": "Peut-être envoyé : la plateforme n'a pas confirmé cette réponse. Vérifiez les réponses du compte "
                     "de la marque sur la plateforme avant de réessayer."},
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_maybe_sent_reply_shows_on_its_row_and_is_retried_live(desk, login, sandbox, language):
    organization, words = desk["organization"], WORDS[language]
    for person in (desk["camille"], desk["alex"]):
        person.language = language
        person.save(update_fields=["language"])
    sandbox.inject_x_mention("@AirDemo ma valise n'est pas arrivée à Nice", author="lea")
    sandbox.inject_x_mention("@AirDemo merci pour le vol", author="paul")
    assert poll_channel(desk["channel"].pk) == 2
    conversation = Conversation.objects.for_organization(organization).get(contact__handle__icontains="lea")
    inbound = conversation.messages.get(direction="in")
    reply = Message.objects.create(
        organization=organization, conversation=conversation, channel=desk["channel"], direction="out", kind="reply",
        platform="x", text="Bonjour Léa, nous retrouvons votre valise.", author_user=desk["camille"],
        created_at=inbound.created_at, state=DeliveryState.SENDING, parent_external_id=inbound.external_id)
    # What the worker records when it died after handing the reply to X (in a thread of its own,
    # like a worker: Playwright owns this one's event loop).
    worker = threading.Thread(target=services.message_mark_failed,
                              kwargs={"message": reply, "code": "maybe_sent", "error": "The worker stopped."})
    worker.start()
    worker.join(30)

    camille = login(desk["camille"])
    open_inbox(camille, organization)
    row = camille.locator(f"#conversation-{conversation.pk}")
    badge = row.locator("[data-testid=send-failed]")
    expect(badge).to_have_text(f"⚠ {words['badge']}")
    expect(badge).to_have_attribute("title", words["reason"])
    expect(camille.locator('[data-count="failed"]')).to_have_text("1")
    camille.click(f"text={words['view']}")
    expect(camille.locator("#rows tr.row")).to_have_count(1)
    expect(camille.locator("#rows")).to_contain_text("ma valise n'est pas arrivée")
    screenshot(camille, f"failed-sends-{language}")

    # Alex checks the platform, finds nothing there, and retries from the conversation.
    alex = login(desk["alex"])
    alex.goto(camille.url.split("/o/")[0] + f"/o/{organization.slug}/inbox/{conversation.pk}/")
    expect(alex.locator("#live-indicator")).to_have_attribute("data-state", "live")
    alex.click("[data-testid=retry]")
    expect(alex.locator("[data-testid=delivery-state]")).to_have_text(words["sent"])
    # Camille's list learns it live: the badge goes, the counter goes back to zero.
    expect(camille.locator(f"#conversation-{conversation.pk} [data-testid=send-failed]")).to_have_count(0)
    expect(camille.locator('[data-count="failed"]')).to_have_text("0", timeout=10_000)
    assert [p["text"] for p in sandbox.posted("x")] == ["Bonjour Léa, nous retrouvons votre valise."]
    assert Conversation.objects.for_organization(organization).get(pk=conversation.pk).reply_failure_code == ""


KEYBOARD_WORDS = {
    "en": {"closed": "Closed", "snoozed": "Snoozed until", "tomorrow": "Tomorrow 9:00"},
    "fr": {"closed": "Fermé", "snoozed": "En veille jusqu'à", "tomorrow": "Demain 9 h"},
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_rows_show_what_the_keyboard_just_did(desk, login, sandbox, language):
    """a, t, s, e on a row (issue 10, item 6): the row shows the new assignee, tag, snooze and status
    at once, even when the action takes it out of the view."""
    organization, words = desk["organization"], KEYBOARD_WORDS[language]
    desk["camille"].language = language
    desk["camille"].save(update_fields=["language"])
    for n in range(3):
        sandbox.inject_x_mention(f"@AirDemo question numéro {n} sur les bagages", author=f"client{n}")
    poll_channel(desk["channel"].pk)
    page = login(desk["camille"])
    open_inbox(page, organization)
    rows = page.locator("#rows tr.row")
    expect(rows).to_have_count(3)
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(rows.nth(0).locator(".assignee .avatar")).to_have_text("CM")
    page.keyboard.press("t")
    page.fill("#tag-input", "bagages")
    page.keyboard.press("Enter")
    expect(rows.nth(0).locator(".tag")).to_have_text("bagages")
    page.keyboard.press("s")
    page.click(f"#snooze-dialog button:has-text('{words['tomorrow']}')")
    expect(rows.nth(0)).to_have_class(re.compile("left-view"))
    expect(rows.nth(0).locator("[data-testid=row-status]")).to_contain_text(words["snoozed"])
    expect(rows.nth(0).locator(".tag")).to_have_text("bagages")  # still shown on the dimmed row
    page.keyboard.press("j")
    page.keyboard.press("e")
    expect(rows.nth(1)).to_have_class(re.compile("left-view"))
    expect(rows.nth(1).locator("[data-testid=row-status]")).to_have_text(words["closed"])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_filters_apply_as_they_change_and_the_address_keeps_them(desk, login, sandbox, language):
    organization = desk["organization"]
    desk["camille"].language = language
    desk["camille"].save(update_fields=["language"])
    sandbox.inject_x_mention("@AirDemo my flight was cancelled, thanks for nothing", author="angry_ann")
    sandbox.inject_x_mention("@AirDemo merci pour ce vol parfait 👏", author="happy_hugo")
    poll_channel(desk["channel"].pk)
    page = login(desk["camille"])
    open_inbox(page, organization)
    expect(page.locator("#rows tr.row")).to_have_count(2)
    expect(page.locator("#apply-filters")).to_be_hidden()
    page.select_option("select[name=sentiment]", "negative")
    expect(page.locator("#rows tr.row")).to_have_count(1)
    expect(page.locator("#rows")).to_contain_text("thanks for nothing")  # sarcasm, filed as negative
    expect(page).to_have_url(re.compile(r"\?sentiment=negative$"))
    page.select_option("select[name=sentiment]", "")
    page.fill("#search", "happy_h")  # a person, by handle
    expect(page.locator("#rows tr.row")).to_have_count(1)
    expect(page.locator("#rows")).to_contain_text("vol parfait")
    expect(page).to_have_url(re.compile(r"\?q=happy_h$"))
    page.reload()
    expect(page.locator("#search")).to_have_value("happy_h")
    expect(page.locator("#rows tr.row")).to_have_count(1)
