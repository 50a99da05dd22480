"""Training mode: practice sets (demo or masked export), answers judged by the guides, the report."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from inbox.models import Message
from playbooks import training_services
from playbooks.models import TrainingSet
from playbooks.training import mask_personal_data, report
from tests.factories import MessageFactory


def test_personal_data_and_other_peoples_handles_are_masked():
    text = "@AirDemo @marie_l mon mail est marie.l@gmail.com, tel 06 12 34 56 78, carte 4111 1111 1111 1111"
    assert mask_personal_data(text, keep_handles=("@AirDemo",)) == (
        "@AirDemo @client mon mail est [e-mail], tel [phone], carte [card]")


def test_the_report_counts_what_was_caught_and_how_fast():
    answers = [
        {"blocked": True, "needs_approval": False, "rule_name": "", "seconds": 30.0,
         "findings": [{"rule": "personal_data_request", "severity": "block"}]},
        {"blocked": False, "needs_approval": True, "rule_name": "Sensitive", "seconds": 10.0,
         "findings": [{"rule": "forbidden_words", "severity": "warn"}]},
        {"blocked": False, "needs_approval": False, "rule_name": "", "seconds": 20.0, "findings": []},
    ]
    assert report(answers) == {"answered": 3, "blocked": 1, "warned": 1, "needs_approval": 1,
                               "approval_rules": {"Sensitive": 1},
                               "caught": {"personal_data_request": 1, "forbidden_words": 1},
                               "median_seconds": 20.0, "slowest_seconds": 30.0}


def test_a_session_judges_each_answer_and_sends_nothing(organization, admin_user, agent, sensitive_rule):
    practice = training_services.training_set_from_demo(organization=organization, actor=admin_user, count=3)
    assert [item["priority"] for item in practice.items] == [2, 1, 1]
    session = training_services.training_start(training_set=practice, agent=agent)
    first = training_services.training_answer(session=session, actor=agent, text="On regarde, désolés !")
    assert first.needs_approval and first.rule_name == sensitive_rule.name and not first.blocked
    second = training_services.training_answer(session=session, actor=agent, text="Quel est votre numéro de téléphone ?")
    assert second.blocked and second.findings[0]["rule"] == "personal_data_request"
    with pytest.raises(ValidationError, match="someone else"):
        training_services.training_answer(session=session, actor=admin_user, text="Bonjour")
    training_services.training_answer(session=session, actor=agent, text="Merci pour votre message !",
                                      visibility="private")
    session.refresh_from_db()
    assert session.finished_at is not None
    with pytest.raises(ValidationError, match="finished"):
        training_services.training_answer(session=session, actor=agent, text="Encore")
    summary = training_services.training_report(session=session)
    assert summary["answered"] == 3 and summary["blocked"] == 1 and summary["needs_approval"] == 1
    assert not Message.objects.for_organization(organization).filter(direction="out").exists()


def test_an_export_takes_closed_conversations_with_personal_data_masked(organization, admin_user):
    with pytest.raises(ValidationError, match="closed"):
        training_services.training_set_export(organization=organization, actor=admin_user, name="Novembre")
    message = MessageFactory(conversation__organization=organization, conversation__status="closed",
                             conversation__closed_at=timezone.now(),
                             text="@brand0 rappelez-moi au 06 11 22 33 44 ou jean.dupont@orange.fr")
    handle = message.conversation.channel.handle
    Message.objects.for_organization(organization).filter(pk=message.pk).update(text=f"{handle} rappelez-moi au "
                                                                                     "06 11 22 33 44 ou jean.dupont@orange.fr")
    practice = training_services.training_set_export(organization=organization, actor=admin_user, name="Novembre")
    assert [item["text"] for item in practice.items] == [f"{handle} rappelez-moi au [phone] ou [e-mail]"]


def test_training_pages(client_for, agent, admin_user, organization):
    client = client_for(admin_user)
    client.post(reverse("playbooks-training", kwargs={"organization_slug": organization.slug}), {"action": "demo"})
    practice = TrainingSet.objects.for_organization(organization).get()
    client = client_for(agent)
    assert client.post(reverse("playbooks-training", kwargs={"organization_slug": organization.slug}),
                       {"action": "demo"}).status_code == 403
    response = client.post(reverse("playbooks-training", kwargs={"organization_slug": organization.slug}),
                           {"action": "start", "set": practice.pk})
    session_url = response["Location"]
    page = client.get(session_url).content.decode()
    assert practice.items[0]["text"].replace("'", "&#x27;") in page and "nothing you write here is sent" in page
    assert client.post(session_url, {"text": " "}).status_code == 400
    for _ in practice.items:
        client.post(session_url, {"text": "Merci, nous regardons.", "visibility": "public"})
    page = client.get(session_url).content.decode()
    assert 'data-testid="training-report"' in page
    assert client_for(admin_user).get(session_url).status_code == 404  # someone else's session
