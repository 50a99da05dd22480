"""Inbox settings of an organization: first-response targets, business hours, routing rules,
and linking a person's contacts across platforms."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, Team

from .. import sla
from ..models import Contact, InboxSettings, Person, RoutingRule, Tag
from ..routing import validate_conditions


def inbox_settings_update(*, organization: Organization, sla_policy: dict | None = None,
                          watch_terms: list[str] | None = None) -> InboxSettings:
    row, _ = InboxSettings.objects.for_organization(organization).get_or_create(organization=organization)
    fields = []
    if sla_policy is not None:
        data = dict(sla_policy)
        data.setdefault("time_zone", organization.time_zone)
        try:
            policy = sla.SlaPolicy.from_json(data)
        except ValueError as error:
            raise ValidationError({"sla_policy": str(error)}) from None
        row.sla_policy = policy.to_json()
        fields.append("sla_policy")
    if watch_terms is not None:
        row.watch_terms = sorted({term.strip() for term in watch_terms if term and term.strip()})
        fields.append("watch_terms")
    if fields:
        row.save(update_fields=fields)
    return row


def _rule_values(organization: Organization, *, conditions, team: Team | None, tags: list[Tag]):
    try:
        validate_conditions(conditions or {})
    except ValidationError as error:
        raise ValidationError({"conditions": error.messages}) from None
    except (TypeError, ValueError) as error:
        raise ValidationError({"conditions": str(error)}) from None
    if team is not None and team.organization_id != organization.pk:
        raise ValidationError({"team": _("That team belongs to another organization.")})
    if any(tag.organization_id != organization.pk for tag in tags):
        raise ValidationError({"tags": _("That tag belongs to another organization.")})


@transaction.atomic
def routing_rule_create(*, organization: Organization, name: str, conditions: dict, team: Team | None = None,
                        tags: list[Tag] = (), priority: int | None = None, position: int = 0,
                        stop_processing: bool = False, is_active: bool = True) -> RoutingRule:
    tags = list(tags)
    _rule_values(organization, conditions=conditions, team=team, tags=tags)
    rule = RoutingRule.objects.create(organization=organization, name=name, conditions=conditions or {}, team=team,
                                      priority=priority, position=position, stop_processing=stop_processing,
                                      is_active=is_active)
    rule.tags.set(tags)
    return rule


@transaction.atomic
def routing_rule_update(*, rule: RoutingRule, **values) -> RoutingRule:
    organization = rule.organization
    tags = values.pop("tags", None)
    merged_conditions = values.get("conditions", rule.conditions)
    team = values.get("team", rule.team)
    _rule_values(organization, conditions=merged_conditions, team=team, tags=list(tags or []))
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    if tags is not None:
        rule.tags.set(tags)
    return rule


def routing_rule_delete(*, rule: RoutingRule) -> None:
    rule.delete()


@transaction.atomic
def contacts_link(*, contact: Contact, other: Contact, display_name: str = "") -> Person:
    """Say that two platform contacts are one person, so their histories show together."""
    if contact.organization_id != other.organization_id:
        raise ValidationError(_("Those contacts belong to different organizations."))
    if contact.pk == other.pk:
        raise ValidationError(_("A contact cannot be linked to itself."))
    person = contact.person or other.person
    if person is None:
        person = Person.objects.create(organization_id=contact.organization_id,
                                       display_name=display_name or contact.name or contact.handle)
    # Whoever was already linked to either side comes along.
    absorbed = {p for p in (contact.person_id, other.person_id) if p and p != person.pk}
    contacts = Contact.objects.for_organization(contact.organization_id)
    if absorbed:
        contacts.filter(person_id__in=absorbed).update(person=person)
        Person.objects.for_organization(contact.organization_id).filter(pk__in=absorbed).delete()
    contacts.filter(pk__in=[contact.pk, other.pk]).update(person=person)
    return person


def contact_unlink(*, contact: Contact) -> None:
    Contact.objects.for_organization(contact.organization_id).filter(pk=contact.pk).update(person=None)


def contact_set_notes(*, contact: Contact, notes: str) -> Contact:
    """What the team knows about this person (shown to whoever picks up their next conversation)."""
    contact.notes = (notes or "").strip()[:5000]
    contact.save(update_fields=["notes"])
    return contact
