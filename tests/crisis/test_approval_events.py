"""Replies held for approval on urgent conversations page the on-call person; deciding them stops it."""

import pytest
from django.utils import timezone

from accounts import live
from accounts.roles import Role
from crisis import selectors
from crisis.models import Alert, AlertStatus, NotificationAttempt
from crisis.services.approval_events import on_approval_requested
from crisis.services.escalation import escalations_run_due
from inbox.reply_guard import HeldReply
from inbox.services import reply_compose
from playbooks import services as playbooks_services
from playbooks.models import Outcome, ReplyApproval
from tests.factories import ChannelFactory, MessageFactory


@pytest.fixture(autouse=True)
def quiet_live(monkeypatch):
    monkeypatch.setattr(live, "broadcast_now", lambda **kwargs: None)


@pytest.fixture
def leads_approve_everything(organization):
    return playbooks_services.perimeter_rule_save(organization=organization, name="Leads approve everything",
                                                  outcome=Outcome.APPROVAL, conditions={}, approver_role=Role.LEAD)


def _conversation(organization, priority):
    return MessageFactory(conversation__organization=organization, conversation__priority=priority,
                          conversation__channel=ChannelFactory(organization=organization),
                          text="Mon vol a 4h de retard", external_id=f"in-{priority}").conversation


def _hold(conversation, author, captured):
    with captured(execute=True):
        result = reply_compose(conversation=conversation, author=author, text="Nous regardons votre vol")
    assert isinstance(result, HeldReply)
    return ReplyApproval.objects.for_organization(conversation.organization_id).get(pk=result.approval_id)


def test_an_urgent_held_reply_pages_the_on_call_person_once_and_deciding_resolves_it(
        organization, rota, climbing_policy, agent, lead, leads_approve_everything,
        django_capture_on_commit_callbacks):
    approval = _hold(_conversation(organization, priority=3), agent, django_capture_on_commit_callbacks)
    alert = Alert.objects.for_organization(organization).get()
    assert (alert.source, alert.severity, alert.status) == ("approval_waiting", "high", "triggered")
    assert alert.dedup_key == f"approval:{approval.pk}" and alert.policy == climbing_policy
    assert alert.data["url"].endswith("/approvals/") and alert.data["url"] in alert.details

    # Hearing of the same held reply again joins the alert instead of paging twice.
    on_approval_requested(organization_id=organization.pk, approval_id=approval.pk,
                          conversation_id=approval.conversation_id, urgent=True)
    assert Alert.objects.for_organization(organization).count() == 1
    alert.refresh_from_db()
    assert alert.occurrences == 2

    on_call = selectors.on_call_at(rota=rota, at=timezone.now()).user_id
    assert escalations_run_due(now=timezone.now()) == 1
    paged = NotificationAttempt.objects.for_organization(organization).filter(alert=alert, kind="in_app")
    assert list(paged.values_list("user_id", flat=True)) == [on_call]

    with django_capture_on_commit_callbacks(execute=True):
        playbooks_services.approval_reject(approval=approval, actor=lead, comment="Trop vague, donnez l'heure")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.next_escalation_at is None


def test_approving_an_urgent_held_reply_resolves_its_alert(organization, rota, climbing_policy, agent, lead,
                                                           leads_approve_everything, django_capture_on_commit_callbacks):
    approval = _hold(_conversation(organization, priority=3), agent, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        playbooks_services.approval_approve(approval=approval, actor=lead)
    assert Alert.objects.for_organization(organization).get().status == AlertStatus.RESOLVED


def test_a_held_reply_on_a_conversation_that_is_not_urgent_pages_nobody(organization, rota, climbing_policy, agent,
                                                                        leads_approve_everything,
                                                                        django_capture_on_commit_callbacks):
    _hold(_conversation(organization, priority=2), agent, django_capture_on_commit_callbacks)
    assert not Alert.objects.for_organization(organization).exists()
