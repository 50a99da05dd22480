"""Shift handover: what the incoming person inherits, reassigning in one action, and the summary."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts import live
from crisis import selectors
from crisis.services import handover as handover_services
from inbox.models import Conversation
from tests.factories import ConversationFactory, MessageFactory


def _people(rota, agent, backup):
    incoming = selectors.on_call_at(rota=rota, at=timezone.now())
    return (agent, backup) if incoming.user_id == backup.pk else (backup, agent)


def test_the_backup_inherits_conversations_drafts_and_reassigns_them_in_one_action(organization, rota, agent, backup,
                                                                                 client_for):
    outgoing, incoming = _people(rota, agent, backup)
    held = [ConversationFactory(organization=organization, assignee=outgoing, status="open", preview=f"Bagage perdu {n}")
            for n in range(2)]
    ConversationFactory(organization=organization, status="new", preview="Personne ne répond")
    MessageFactory(conversation=held[0], direction="out", kind="reply", state="draft", author_user=outgoing,
                   text="Bonjour, nous regardons votre dossier")
    client = client_for(incoming)
    url = reverse("handover", kwargs={"organization_slug": "airdemo"})
    page = client.get(url, {"rota": rota.pk}).content.decode()
    assert "Bagage perdu 0" in page and "Bagage perdu 1" in page and "Personne ne répond" in page
    assert "nous regardons votre dossier" in page
    response = client.post(url, {"rota": rota.pk, "action": "reassign-all", "from_user": outgoing.pk,
                                 "to_user": incoming.pk}, follow=True)
    assert b"2 conversations reassigned" in response.content
    assert set(Conversation.objects.for_organization(organization).filter(pk__in=[c.pk for c in held])
               .values_list("assignee", flat=True)) == {incoming.pk}
    client.post(url, {"rota": rota.pk, "action": "note", "text": "Le client VIP attend un rappel à 10 h"})
    assert "attend un rappel" in client.get(url, {"rota": rota.pk}).content.decode()


def test_some_conversations_can_be_given_and_a_handoff_needs_a_choice(organization, rota, agent, backup, client_for):
    outgoing, incoming = _people(rota, agent, backup)
    first, second = (ConversationFactory(organization=organization, assignee=outgoing, status="open") for _ in range(2))
    count = handover_services.handover_reassign(organization=organization, actor=incoming, from_user=outgoing,
                                                to_user=incoming, conversation_ids=[first.pk])
    assert count == 1
    second.refresh_from_db()
    assert second.assignee == outgoing


def test_each_handoff_summary_is_sent_once_to_both_people(organization, rota, agent, backup, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    pushed = []
    monkeypatch.setattr(live, "broadcast_now", lambda **kwargs: pushed.append(kwargs))
    boundary = selectors.on_call_at(rota=rota, at=timezone.now()).start
    rota.handoffs_announced_until = boundary - timedelta(minutes=1)
    rota.save(update_fields=["handoffs_announced_until"])
    with django_capture_on_commit_callbacks(execute=True):
        assert handover_services.handoffs_announce(now=boundary + timedelta(minutes=1)) == 1
        assert handover_services.handoffs_announce(now=boundary + timedelta(minutes=2)) == 0
    handoffs = [p for p in pushed if p["event"]["type"] == "handoff"]
    assert sorted(p["topic"] for p in handoffs) == sorted([f"user.{agent.pk}", f"user.{backup.pk}"])
    outgoing, incoming = (agent, backup) if selectors.on_call_at(rota=rota, at=boundary).user_id == backup.pk else (backup, agent)
    text = handoffs[0]["event"]["text"]  # in the organization's language
    assert text.index(outgoing.display_name) < text.index(incoming.display_name)


def test_the_handoff_summary_follows_an_accepted_swap(organization, rota, agent, backup, lead, monkeypatch,
                                                      django_capture_on_commit_callbacks):
    from datetime import UTC, datetime

    from crisis.services import oncall as rota_services

    # 6 January 2026 is backup's day (09:00 Paris = 08:00 UTC); the lead takes it over.
    swap = rota_services.swap_request(rota=rota, actor=backup, covered_by=lead,
                                      starts_at=datetime(2026, 1, 6, 8, tzinfo=UTC), ends_at=datetime(2026, 1, 7, 8, tzinfo=UTC))
    rota_services.swap_accept(swap=swap, actor=lead)
    pushed = []
    monkeypatch.setattr(live, "broadcast_now", lambda **kwargs: pushed.append(kwargs))
    rota.handoffs_announced_until = datetime(2026, 1, 6, 7, 55, tzinfo=UTC)
    rota.save(update_fields=["handoffs_announced_until"])
    with django_capture_on_commit_callbacks(execute=True):
        handover_services.handoffs_announce(now=datetime(2026, 1, 6, 8, 1, tzinfo=UTC))
    topics = sorted(p["topic"] for p in pushed if p["event"]["type"] == "handoff")
    assert topics == sorted([f"user.{agent.pk}", f"user.{lead.pk}"])
    assert backup.display_name not in pushed[0]["event"]["text"]


def _hold(conversation, author, text):
    from inbox.reply_guard import HeldReply
    from inbox.services import reply_compose

    result = reply_compose(conversation=conversation, author=author, text=text)
    assert isinstance(result, HeldReply)
    return result.approval_id


def test_the_incoming_person_sees_the_replies_awaiting_approval_they_inherit(organization, rota, agent, backup, lead,
                                                                            admin_user, client_for, monkeypatch):
    from accounts.models import Membership
    from accounts.roles import Role
    from playbooks import services as playbooks_services
    from playbooks.models import Outcome
    from tests.factories import ChannelFactory

    monkeypatch.setattr(live, "broadcast_now", lambda **kwargs: None)
    outgoing, incoming = _people(rota, agent, backup)
    # The incoming person leads the desk this week: they may approve what needs a lead.
    Membership.objects.for_organization(organization).filter(user=incoming).update(role=Role.LEAD)
    playbooks_services.perimeter_rule_save(organization=organization, name="Leads approve everything",
                                           outcome=Outcome.APPROVAL, conditions={}, approver_role=Role.LEAD)
    channel = ChannelFactory(organization=organization, handle="@AirDemo")
    conversation = MessageFactory(conversation__organization=organization, conversation__channel=channel,
                                  text="Mon vol a 4h de retard", external_id="in-approval").conversation
    _hold(conversation, outgoing, "Nous regardons votre vol de l'agent sortant")
    _hold(conversation, lead, "Réponse de la responsable à valider")
    _hold(conversation, incoming, "Ma propre réponse en attente")

    handover = selectors.handover_for(rota=rota)
    assert [a.text for a in handover["approvals_held"]] == ["Nous regardons votre vol de l'agent sortant"]
    # Not their own reply (four eyes), but the outgoing person's and the lead's.
    assert sorted(a.text for a in handover["approvals_to_approve"]) == sorted([
        "Nous regardons votre vol de l'agent sortant", "Réponse de la responsable à valider"])

    url = reverse("handover", kwargs={"organization_slug": "airdemo"})
    page = client_for(incoming).get(url, {"rota": rota.pk}).content.decode()
    held_part = page.split('data-testid="approvals-held"')[1].split("</ul>")[0]
    to_approve_part = page.split('data-testid="approvals-to-approve"')[1].split("</ul>")[0]
    assert "agent sortant" in held_part and "responsable" not in held_part
    assert "responsable à valider" in to_approve_part and "Ma propre réponse" not in to_approve_part
    assert reverse("conversation", kwargs={"organization_slug": "airdemo", "pk": conversation.pk}) in to_approve_part
    assert reverse("playbooks-approvals", kwargs={"organization_slug": "airdemo"}) in page
    assert "once response guides" not in page

    subject, text = handover_services._summary(rota, handover["outgoing"], handover["incoming"],
                                               {outgoing.pk: outgoing, incoming.pk: incoming})
    assert "replies awaiting approval: 2." in text


def test_an_agent_coming_on_call_inherits_nothing_to_approve(organization, rota, agent, backup, lead, monkeypatch):
    from accounts.roles import Role
    from playbooks import services as playbooks_services
    from playbooks.models import Outcome
    from tests.factories import ChannelFactory

    monkeypatch.setattr(live, "broadcast_now", lambda **kwargs: None)
    playbooks_services.perimeter_rule_save(organization=organization, name="Leads approve everything",
                                           outcome=Outcome.APPROVAL, conditions={}, approver_role=Role.LEAD)
    conversation = MessageFactory(conversation__organization=organization,
                                  conversation__channel=ChannelFactory(organization=organization),
                                  external_id="in-agent").conversation
    _hold(conversation, lead, "Réponse de la responsable à valider")
    handover = selectors.handover_for(rota=rota)
    assert handover["approvals_to_approve"] == [] and handover["approvals_held"] == []
