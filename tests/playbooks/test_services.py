"""Guides' versions, the perimeter on real replies, four-eyes approvals and exactly-once release."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.roles import Role
from inbox.models import Message
from inbox.reply_guard import HeldReply, ReplyBlocked
from inbox.services import ReplyNeedsConfirmation, reply_compose
from playbooks import services
from playbooks.models import ApprovalStatus, GuideVersion, Outcome, ReplyApproval, ReplyRecord, VersionStatus

from .conftest import AIRLINE_CONTENT


@pytest.fixture
def events(monkeypatch):
    sent = []
    monkeypatch.setattr(services, "broadcast_on_commit", lambda **kwargs: sent.append(kwargs))
    return sent


def outbound(organization):
    return Message.objects.for_organization(organization).filter(direction="out").exclude(state="draft")


# --- versions -----------------------------------------------------------------------------------

def test_versions_go_from_draft_to_review_to_published_and_keep_who_and_when(organization, admin_user, lead):
    guide = services.guide_create(organization=organization, actor=admin_user, name="Airline", content=AIRLINE_CONTENT)
    first = guide.versions.get()
    with pytest.raises(ValidationError, match="review"):
        services.guide_version_publish(version=first, actor=lead)
    services.guide_version_submit(version=first, actor=admin_user)
    services.guide_version_publish(version=first, actor=lead)
    first.refresh_from_db()
    assert first.status == VersionStatus.PUBLISHED and first.published_by == lead and first.published_at

    changed = {"scenarios": [{**AIRLINE_CONTENT["scenarios"][0], "name": "Vol retardé"}]}
    second = services.guide_draft_save(guide=guide, actor=lead, content=changed, note="Renamed")
    assert second.number == 2 and second.status == VersionStatus.DRAFT and second.based_on == first
    services.guide_version_submit(version=second, actor=lead)
    services.guide_version_publish(version=second, actor=admin_user)
    guide.refresh_from_db()
    first.refresh_from_db()
    assert guide.published_version == second and first.status == VersionStatus.RETIRED
    assert first.content == AIRLINE_CONTENT | {"scenarios": first.content["scenarios"]}  # kept as published

    third = services.guide_rollback(version=first, actor=admin_user)
    guide.refresh_from_db()
    assert guide.published_version == third and third.number == 3 and third.content == first.content
    assert third.published_by == admin_user and "1" in third.note
    assert list(GuideVersion.objects.for_organization(organization).filter(guide=guide)
                .values_list("number", "status").order_by("number")) == [
        (1, "retired"), (2, "retired"), (3, "published")]
    with pytest.raises(ValidationError):
        services.guide_rollback(version=services.guide_draft_save(guide=guide, actor=lead, content=changed),
                                actor=lead)


def test_a_template_with_an_unknown_variable_cannot_be_saved(published_guide, lead):
    bad = {"scenarios": [{**AIRLINE_CONTENT["scenarios"][0],
                          "templates": [{"key": "x", "language": "fr", "text": "Bonjour {client}"}]}]}
    with pytest.raises(ValidationError, match=r"\{client\}"):
        services.guide_draft_save(guide=published_guide, actor=lead, content=bad)


# --- the perimeter on real replies --------------------------------------------------------------

def test_a_reply_inside_the_perimeter_goes_out_at_once_and_records_its_template(
        organization, conversation, agent, published_guide, sensitive_rule, django_capture_on_commit_callbacks):
    version = published_guide.published_version
    text = ("Bonjour Marie, toutes nos excuses pour ce retard. Suivez votre vol sur https://air.example/status. "
            "Camille")
    with django_capture_on_commit_callbacks(execute=False):
        message = reply_compose(conversation=conversation, author=agent, text=text,
                                guidance={"template": "delay-fr", "guide_version": version.pk})
    assert isinstance(message, Message) and message.state == "queued"
    record = ReplyRecord.objects.for_organization(organization).get(message_id=message.pk)
    assert record.template_key == "delay-fr" and record.guide_version == version and record.unmodified_template
    assert record.rule is None and record.rule_name == ""


def test_a_new_agents_free_text_on_a_sensitive_thread_waits_for_a_lead(
        organization, conversation, agent, sensitive_rule, events):
    held = reply_compose(conversation=conversation, author=agent, text="On regarde ça, désolé pour l'attente")
    assert isinstance(held, HeldReply) and "New agents, sensitive threads" in held.message
    assert not outbound(organization).exists()
    approval = ReplyApproval.objects.for_organization(organization).get(pk=held.approval_id)
    assert approval.status == ApprovalStatus.PENDING and approval.rule == sensitive_rule
    assert [e["event"]["type"] for e in events] == ["approval.requested", "approval.requested"]
    assert {e["topic"] for e in events} == {"inbox", f"user.{agent.pk}"}


def test_the_same_reply_from_a_senior_lead_or_in_private_goes_out(organization, conversation, agent, lead,
                                                                  sensitive_rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        assert isinstance(reply_compose(conversation=conversation, author=lead, text="On regarde ça"), Message)
        assert isinstance(reply_compose(conversation=conversation, author=agent, text="On regarde ça en privé",
                                        is_private=True, confirm_after_other_reply=True), Message)


def test_asking_for_a_phone_number_in_public_is_blocked_and_private_goes_through(
        organization, conversation, agent, django_capture_on_commit_callbacks):
    with pytest.raises(ReplyBlocked) as blocked:
        reply_compose(conversation=conversation, author=agent, text="Pouvez-vous nous donner votre numéro de téléphone ?")
    [finding] = blocked.value.findings
    assert finding["rule"] == "personal_data_request" and "private" in finding["suggestion"]
    assert not outbound(organization).exists()
    with django_capture_on_commit_callbacks(execute=False):
        message = reply_compose(conversation=conversation, author=agent, is_private=True,
                                text="Pouvez-vous nous donner votre numéro de téléphone ?")
    assert message.is_private and message.state == "queued"


def test_a_warning_needs_a_reason_which_is_recorded(organization, conversation, agent,
                                                    django_capture_on_commit_callbacks):
    with pytest.raises(ReplyNeedsConfirmation) as question:
        reply_compose(conversation=conversation, author=agent, text="Calmez-vous, nous regardons")
    assert question.value.code == "guide_warnings"
    assert question.value.details["findings"][0]["rule"] == "forbidden_words"
    with django_capture_on_commit_callbacks(execute=False):
        message = reply_compose(conversation=conversation, author=agent, text="Calmez-vous, nous regardons",
                                guidance={"override_reason": "Private joke with a regular"})
    record = ReplyRecord.objects.for_organization(organization).get(message_id=message.pk)
    assert record.override_reason == "Private joke with a regular" and record.findings[0]["rule"] == "forbidden_words"


# --- approvals: four-eyes, edits, exactly once ------------------------------------------------------

@pytest.fixture
def everything_for_leads(organization):
    return services.perimeter_rule_save(organization=organization, name="Everything", outcome=Outcome.APPROVAL,
                                        conditions={}, approver_role=Role.LEAD)


def held(conversation, author, text="Nous regardons votre dossier tout de suite"):
    result = reply_compose(conversation=conversation, author=author, text=text)
    assert isinstance(result, HeldReply)
    return ReplyApproval.objects.for_organization(conversation.organization_id).get(pk=result.approval_id)


def test_nobody_approves_their_own_reply(organization, conversation, lead, second_lead, everything_for_leads,
                                         django_capture_on_commit_callbacks, events):
    approval = held(conversation, lead)
    with pytest.raises(ValidationError, match="own reply"):
        services.approval_approve(approval=approval, actor=lead)
    with django_capture_on_commit_callbacks(execute=False):
        services.approval_approve(approval=approval, actor=second_lead)
    approval.refresh_from_db()
    message = outbound(organization).get()
    assert approval.status == ApprovalStatus.APPROVED and approval.message_id == message.pk
    assert message.author_user == lead and message.text == approval.text and message.state == "queued"
    record = ReplyRecord.objects.for_organization(organization).get(message_id=message.pk)
    assert record.approval == approval and record.rule_name == "Everything"
    assert "approval.approved" in [e["event"]["type"] for e in events]


def test_an_agent_cannot_approve(organization, conversation, lead, agent, everything_for_leads):
    with pytest.raises(ValidationError, match="role"):
        services.approval_approve(approval=held(conversation, lead), actor=agent)


def test_an_approvers_edit_needs_another_approver_and_the_author_sees_the_diff(
        organization, conversation, agent, lead, second_lead, everything_for_leads, django_capture_on_commit_callbacks):
    approval = held(conversation, agent)
    services.approval_approve(approval=approval, actor=lead, text="Nous regardons votre dossier, merci de patienter")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING and approval.edited_by == lead
    assert approval.original_text == "Nous regardons votre dossier tout de suite"
    with pytest.raises(ValidationError, match="edited"):
        services.approval_approve(approval=approval, actor=lead)
    with django_capture_on_commit_callbacks(execute=False):
        services.approval_approve(approval=approval, actor=second_lead)
    assert outbound(organization).get().text == "Nous regardons votre dossier, merci de patienter"


def test_approving_an_already_sent_reply_is_a_clear_error_and_sends_nothing(
        organization, conversation, agent, lead, second_lead, everything_for_leads, django_capture_on_commit_callbacks):
    approval = held(conversation, agent)
    with django_capture_on_commit_callbacks(execute=False):
        services.approval_approve(approval=approval, actor=lead)
    with pytest.raises(ValidationError, match="already approved this reply and it was sent"):
        services.approval_approve(approval=approval, actor=second_lead)
    with pytest.raises(ValidationError, match="already approved"):
        services.approval_reject(approval=approval, actor=second_lead, comment="too late")
    assert outbound(organization).count() == 1


def test_rejecting_needs_a_comment_and_ends_the_approval(organization, conversation, agent, lead, everything_for_leads):
    approval = held(conversation, agent)
    with pytest.raises(ValidationError, match="why"):
        services.approval_reject(approval=approval, actor=lead, comment=" ")
    services.approval_reject(approval=approval, actor=lead, comment="Do not mention the compensation in public")
    with pytest.raises(ValidationError, match="rejected"):
        services.approval_approve(approval=approval, actor=lead)
    assert not outbound(organization).exists()


def test_a_reply_that_became_blocking_is_not_released(organization, conversation, agent, lead, second_lead,
                                                      everything_for_leads):
    approval = held(conversation, agent)
    services.approval_approve(approval=approval, actor=lead, text="Donnez-nous votre numéro de téléphone svp")
    with pytest.raises(ReplyBlocked):
        services.approval_approve(approval=approval, actor=second_lead)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING and not outbound(organization).exists()


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_the_same_moment_give_one_outcome_and_one_send(organization, conversation, agent, lead,
                                                                        second_lead, everything_for_leads, monkeypatch):
    monkeypatch.setattr("inbox.services.replies._enqueue_send", lambda message: None)
    approval = held(conversation, agent)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(actor):
        try:
            barrier.wait(timeout=10)
            services.approval_approve(approval=approval, actor=actor)
            outcomes.append("approved")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(who,)) for who in (lead, second_lead)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == 2 and outcomes.count("approved") == 1
    assert any("already approved this reply and it was sent" in outcome for outcome in outcomes)
    assert outbound(organization).count() == 1
    approval.refresh_from_db()
    assert approval.message_id == outbound(organization).get().pk


@pytest.fixture
def crisis(organization):
    from playbooks import crisis_mode
    from playbooks.crisis_mode import CrisisState, register_crisis_state

    registered = crisis_mode._provider  # the crisis desk's own, put back for the tests after this one
    register_crisis_state(lambda organization_id: CrisisState(
        active=organization_id == organization.pk, statements=("Nous sommes mobilisés, informations sur {info_url}.",)))
    yield
    register_crisis_state(registered)


def test_in_crisis_mode_free_text_is_refused_and_approved_texts_go_out(
        organization, conversation, lead, published_guide, crisis, django_capture_on_commit_callbacks):
    with pytest.raises(ReplyBlocked) as blocked:
        reply_compose(conversation=conversation, author=lead, text="Tout va bien, rien de grave")
    assert blocked.value.findings[0]["rule"] == "crisis_template"
    with django_capture_on_commit_callbacks(execute=False):
        statement = reply_compose(conversation=conversation, author=lead,
                                  text="Nous sommes mobilisés, informations sur https://air.example/info.")
        template = reply_compose(conversation=conversation, author=lead, confirm_after_other_reply=True,
                                 text="Bonjour Marie, toutes nos excuses pour ce retard. Suivez votre vol sur "
                                      "https://air.example/status. Lea")
    assert isinstance(statement, Message) and isinstance(template, Message)


def test_a_perimeter_rule_can_hold_every_reply_during_a_crisis(organization, conversation, lead, crisis):
    services.perimeter_rule_save(organization=organization, name="Crisis: admins approve", outcome=Outcome.APPROVAL,
                                 conditions={"crisis_mode": True}, approver_role=Role.ADMIN)
    result = reply_compose(conversation=conversation, author=lead,
                           text="Nous sommes mobilisés, informations sur https://air.example/info.")
    assert isinstance(result, HeldReply) and "Crisis: admins approve" in result.message


def test_on_call_notifications_hear_of_approvals_on_urgent_conversations(organization, conversation, agent,
                                                                       sensitive_rule,
                                                                       django_capture_on_commit_callbacks):
    from inbox.models import Conversation
    from playbooks.approval_listeners import register_approval_listener, unregister_approval_listener

    heard = []

    def listener(**kwargs):
        heard.append(kwargs)

    def broken(**kwargs):
        raise RuntimeError("SMS provider down")

    register_approval_listener(broken)
    register_approval_listener(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            reply_compose(conversation=conversation, author=agent, text="On regarde votre vol")
        Conversation.objects.for_organization(organization).filter(pk=conversation.pk).update(priority=3)
        with django_capture_on_commit_callbacks(execute=True):
            held_reply = reply_compose(conversation=conversation, author=agent, text="On regarde votre vol",
                                       confirm_after_other_reply=True)
    finally:
        unregister_approval_listener(listener)
        unregister_approval_listener(broken)
    assert [h["urgent"] for h in heard] == [False, True]
    assert heard[1]["approval_id"] == held_reply.approval_id and heard[1]["conversation_id"] == conversation.pk
