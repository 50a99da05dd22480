"""An @mention in a note reaches the colleague's notification centre in another browser, live
(issue 10, item 5), in English and in French."""

import re

import pytest
from playwright.sync_api import expect

from inbox.models import Conversation

from .test_triage import open_inbox, poll_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"add": "Add note", "mentioned": "Camille Martin mentioned you in a note on",
           "empty": "Nothing new", "view": "Mentions me"},
    "fr": {"add": "Ajouter la note", "mentioned": "Camille Martin vous a mentionné dans une note sur",
           "empty": "Rien de nouveau", "view": "Me mentionnent"},
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_mention_reaches_the_other_browsers_notification_centre(desk, login, sandbox, language):
    organization, words = desk["organization"], WORDS[language]
    for person in (desk["camille"], desk["alex"]):
        person.language = language
        person.save(update_fields=["language"])
    sandbox.inject_x_mention("@AirDemo mon fauteuil roulant a été abîmé", author="jeanne")
    poll_channel(desk["channel"].pk)
    conversation = Conversation.objects.for_organization(organization).get()

    alex = login(desk["alex"])
    open_inbox(alex, organization)
    expect(alex.locator("[data-testid=notification-count]")).to_be_hidden()
    # The tab shows what waits: one new conversation nobody has opened.
    expect(alex).to_have_title(re.compile(r"^\(1\) "))
    assert alex.evaluate("document.querySelector('link[rel=icon]').href").startswith("data:image/png")

    camille = login(desk["camille"])
    camille.goto(alex.url.split("/o/")[0] + f"/o/{organization.slug}/inbox/{conversation.pk}/")
    camille.fill("#note-text", "@alex tu peux rappeler Jeanne ? Dossier fauteuil")
    camille.click(f"button:has-text('{words['add']}')")

    # Alex, on another page in another browser, sees it arrive without reloading.
    count = alex.locator("[data-testid=notification-count]")
    expect(count).to_have_text("1")
    expect(alex).to_have_title(re.compile(r"^\(2\) "))  # and now a mention as well
    alex.click("#notifications > summary")
    item = alex.locator("[data-testid=notification-list] li.notification.unread")
    expect(item).to_contain_text(words["mentioned"])
    expect(item).to_contain_text("Dossier fauteuil")
    item.locator("a").click()
    expect(alex).to_have_url(re.compile(rf"/inbox/{conversation.pk}/#note-\d+$"))
    expect(alex.locator("[data-testid=notification-count]")).to_be_hidden()
    expect(alex.locator("#thread")).to_contain_text("Dossier fauteuil")
    # And the conversation is in his "Mentions me" view.
    open_inbox(alex, organization)
    alex.click(f"text={words['view']}")
    expect(alex.locator("#rows tr.row")).to_have_count(1)
    expect(alex.locator("#rows")).to_contain_text("fauteuil roulant")
