"""Shift handover: the note the outgoing person leaves, reassigning what they held, and the summary
sent to both people when a shift changes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.live import broadcast_on_commit
from accounts.models import Organization, User
from accounts.selectors import member_users
from inbox import selectors as inbox_selectors
from inbox.services import conversations_bulk_update

from .. import rota as rota_math
from .. import selectors, senders
from ..models import ContactMethodKind, HandoverNote, Rota

logger = logging.getLogger(__name__)

# A handoff older than this when the task first sees it is not announced any more (a fresh rota).
ANNOUNCE_LOOKBACK = timedelta(minutes=10)


@transaction.atomic
def handover_note_write(*, rota: Rota, author: User, text: str) -> HandoverNote:
    if not text.strip():
        raise ValidationError({"text": _("Write what the next person should know.")})
    return HandoverNote.objects.create(organization_id=rota.organization_id, rota=rota, author=author, text=text.strip())


def handover_reassign(*, organization: Organization, actor: User, from_user: User, to_user: User,
                      conversation_ids: list[int] | None = None) -> int:
    """Give the incoming person the outgoing person's conversations: all of them, or those chosen."""
    if not member_users(organization=organization, user_ids=[to_user.pk]):
        raise ValidationError(_("Only members of this organization can be assigned."))
    filters = inbox_selectors.ConversationFilters(assignee=str(from_user.pk))
    conversations = inbox_selectors.conversation_list(organization=organization, filters=filters)
    if conversation_ids is not None:
        if not conversation_ids:
            raise ValidationError(_("Choose at least one conversation."))
        conversations = conversations.filter(pk__in=conversation_ids)
    return conversations_bulk_update(conversations=conversations.order_by(), action="assign", actor=actor,
                                     assignee=to_user)


def _summary(rota: Rota, outgoing: rota_math.Shift, incoming: rota_math.Shift, people: dict[int, User]) -> tuple[str, str]:
    handover = selectors.handover_for(rota=rota, now=incoming.start)
    who_in = people.get(incoming.user_id)
    who_out = people.get(outgoing.user_id)
    subject = _("Shift handover in %(rota)s") % {"rota": rota.name}
    text = _("%(out)s hands over to %(in)s. Unassigned open conversations: %(unassigned)s; conversations held by "
             "%(out)s: %(held)s; drafts: %(drafts)s; open alerts: %(alerts)s; replies awaiting approval: "
             "%(approvals)s.") % {
        "out": who_out.display_name if who_out else _("nobody"), "in": who_in.display_name if who_in else _("nobody"),
        "unassigned": len(handover["unassigned"]), "held": len(handover["inherited"]),
        "drafts": len(handover["drafts"]), "alerts": len(handover["alerts"]),
        "approvals": len({a.pk for a in handover["approvals_held"] + handover["approvals_to_approve"]})}
    return subject, text


def handoffs_announce(*, now: datetime | None = None) -> int:
    """Send each handoff's summary once, to the outgoing and incoming person (in the app and by e-mail)."""
    now = now or timezone.now()
    sent = 0
    for rota_id in Rota.objects.unscoped().order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            rota = Rota.objects.unscoped().select_for_update(skip_locked=True).select_related("organization").filter(
                pk=rota_id).first()
            if rota is None:
                continue
            since = max(rota.handoffs_announced_until or now - ANNOUNCE_LOOKBACK, now - ANNOUNCE_LOOKBACK)
            changes = rota_math.handoffs(selectors.rota_plan(rota=rota, since=since - timedelta(days=1)), since, now)
            for outgoing, incoming in changes:
                sent += _announce(rota, outgoing, incoming)
            rota.handoffs_announced_until = now
            rota.save(update_fields=["handoffs_announced_until"])
    return sent


def _announce(rota: Rota, outgoing: rota_math.Shift, incoming: rota_math.Shift) -> int:
    people = selectors.users_by_id(organization=rota.organization, user_ids={outgoing.user_id, incoming.user_id})
    with translation.override(rota.organization.language):
        subject, text = _summary(rota, outgoing, incoming, people)
    url = _handover_url(rota)
    for user in people.values():
        broadcast_on_commit(organization_id=rota.organization_id, topic=f"user.{user.pk}",
                            event={"type": "handoff", "title": subject, "text": text, "url": url})
        for method in selectors.contact_methods(organization=rota.organization, user=user).filter(kind=ContactMethodKind.EMAIL):
            notice = senders.Notice(subject=subject, text=text, url=url, ack_url="", ack_label="", severity="low", alert_id=None)
            transaction.on_commit(lambda address=method.address, notice=notice: _email(address, notice))
    return 1


def _email(address: str, notice: senders.Notice) -> None:
    try:
        senders.send_email(address, notice)
    except senders.DeliveryFailed:
        logger.exception("handoff summary to %s not sent", address)


def _handover_url(rota: Rota) -> str:
    path = reverse("handover", kwargs={"organization_slug": rota.organization.slug})
    return f"{settings.PUBLIC_URL.rstrip('/')}{path}?rota={rota.pk}"
