"""Response guides in real browsers: a sensitive free-text reply goes to a lead, who approves it from
the queue; asking for a phone number in public is blocked, the same text in private goes through."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from inbox.models import Conversation, Message
from playbooks import services
from tests.factories import member

from .conftest import screenshot
from .test_triage import poll_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sensitive_reply_is_approved_by_a_lead_and_personal_data_is_asked_only_in_private(desk, login, sandbox):
    organization = desk["organization"]
    lead = member(organization, Role.LEAD, email="louis@airdemo.example", full_name="Louis Lead", language="en")
    services.perimeter_rule_save(
        organization=organization, name="New agents, sensitive threads",
        conditions={"free_text": True, "visibility": "public", "priority_at_least": 2, "author_roles": ["agent"],
                    "author_days_at_most": 90})
    sandbox.inject_x_mention("@AirDemo mon vol AD1234 a 5h de retard, c'est inadmissible", author="marie_l",
                             lang="fr")
    assert poll_channel(desk["channel"].pk) == 1
    conversation = Conversation.objects.for_organization(organization).get()
    # High priority, as routing would set it (a direct update: no live event from this thread).
    Conversation.objects.for_organization(organization).filter(pk=conversation.pk).update(priority=2)

    camille = login(desk["camille"])
    camille.goto(camille.url.split("/o/")[0] + f"/o/{organization.slug}/inbox/{conversation.pk}/")
    expect(camille.locator("#live-indicator")).to_have_attribute("data-state", "live")
    expect(camille.locator("#guide-panel")).to_contain_text("Ctrl+/")

    # A free-text public reply on a high-priority thread by a new agent: it waits for a lead.
    camille.fill("#reply-text", "Bonjour Marie, nous sommes vraiment désolés, on regarde votre vol tout de suite.")
    camille.click("#send-reply")
    expect(camille.locator("#reply-notice")).to_contain_text("Sent for approval")
    expect(camille.locator("[data-testid=my-approval]")).to_have_attribute("data-status", "pending")
    assert sandbox.posted("x") == []
    assert not Message.objects.for_organization(organization).filter(direction="out").exclude(state="draft").exists()
    screenshot(camille, "guides-held-for-approval")

    louis = login(lead)
    louis.goto(louis.url.split("/o/")[0] + f"/o/{organization.slug}/guides/approvals/")
    approval = louis.locator("[data-testid=approval]")
    expect(approval).to_have_count(1)
    expect(approval).to_contain_text("New agents, sensitive threads")
    expect(approval).to_contain_text("inadmissible")
    screenshot(louis, "guides-approval-queue")
    approval.locator("button.approve").click()
    expect(louis.locator(".flash")).to_contain_text("Approved")

    # Camille sees it sent, live; the platform holds exactly one post.
    expect(camille.locator("[data-testid=delivery-state]")).to_have_text("Sent")
    expect(camille.locator("[data-testid=my-approval]")).to_have_attribute("data-status", "approved")
    posted = sandbox.posted("x")
    assert [p["text"] for p in posted] == [
        "Bonjour Marie, nous sommes vraiment désolés, on regarde votre vol tout de suite."]

    # Asking for a phone number in public: the linter says so as she types, the server refuses it.
    camille.fill("#reply-text", "Pouvez-vous nous donner votre numéro de téléphone ?")
    finding = camille.locator("#lint-findings [data-rule=personal_data_request]")
    expect(finding).to_contain_text("private messages")
    camille.click("#send-reply")
    expect(camille.locator("#reply-error")).to_contain_text("phone number")
    expect(camille.locator("#reply-error")).to_contain_text("private messages")
    screenshot(camille, "guides-blocked-in-public")
    assert len(sandbox.posted("x")) == 1

    # The same text as a private message goes through.
    camille.check("input[name=visibility][value=private]")
    expect(finding).to_have_count(0)
    camille.click("#send-reply")
    expect(camille.locator("#reply-text")).to_have_value("")
    deadline_posts = lambda: [p["text"] for p in sandbox.posted("x")]  # noqa: E731
    expect(camille.locator("[data-testid=delivery-state]").last).to_have_text("Sent")
    assert deadline_posts()[-1] == "Pouvez-vous nous donner votre numéro de téléphone ?"
    assert len(deadline_posts()) == 2


def test_an_approved_template_from_the_picker_goes_out_at_once(desk, login, sandbox):
    from playbooks.models import ReplyRecord
    from tests.playbooks.conftest import AIRLINE_CONTENT

    organization = desk["organization"]
    admin = member(organization, Role.ADMIN, email="nadia@airdemo.example", full_name="Nadia Admin")
    guide = services.guide_create(organization=organization, actor=admin, name="Airline", content=AIRLINE_CONTENT)
    version = guide.versions.get()
    services.guide_version_submit(version=version, actor=admin)
    services.guide_version_publish(version=version, actor=admin)
    services.perimeter_rule_save(organization=organization, name="New agents, sensitive threads",
                                 conditions={"free_text": True, "priority_at_least": 2, "author_roles": ["agent"]})
    sandbox.inject_x_mention("@AirDemo ma valise est perdue depuis 3 jours !!", author="paul_d", lang="fr")
    poll_channel(desk["channel"].pk)
    conversation = Conversation.objects.for_organization(organization).get()
    Conversation.objects.for_organization(organization).filter(pk=conversation.pk).update(priority=2)

    camille = login(desk["camille"])
    camille.goto(camille.url.split("/o/")[0] + f"/o/{organization.slug}/inbox/{conversation.pk}/")
    expect(camille.locator("#guide-panel [data-scenario=baggage]")).to_be_visible()
    camille.keyboard.press("Control+/")
    expect(camille.locator("#template-picker")).to_be_visible()
    camille.keyboard.type("bagage")
    expect(camille.locator("#template-options .picker-option")).to_have_count(1)
    camille.keyboard.press("Enter")
    expect(camille.locator("#reply-text")).to_have_value(
        "Bonjour Paul_D, écrivez-nous en message privé, nous retrouvons votre bagage.")
    screenshot(camille, "guides-template-inserted")
    camille.click("#send-reply")
    expect(camille.locator("[data-testid=delivery-state]")).to_have_text("Sent")
    assert [p["text"] for p in sandbox.posted("x")] == [
        "Bonjour Paul_D, écrivez-nous en message privé, nous retrouvons votre bagage."]
    record = ReplyRecord.objects.for_organization(organization).get()
    assert record.template_key == "baggage-fr" and record.unmodified_template and record.guide_version == version
