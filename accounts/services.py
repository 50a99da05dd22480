"""Writes on organizations, memberships, invitations, API tokens and teams."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .live import broadcast_on_commit
from .models import ApiToken, Invitation, Membership, Organization, Team, TeamMember, User
from .roles import Role

INVITATION_LIFETIME = timedelta(days=7)
API_TOKEN_PREFIX = "vgt_"


@transaction.atomic
def organization_create(*, name: str, slug: str, owner: User | None = None, **fields) -> Organization:
    organization = Organization(name=name, slug=slug, **fields)
    organization.full_clean()
    organization.save()
    if owner is not None:
        Membership.objects.create(organization=organization, user=owner, role=Role.ADMIN)
    return organization


def membership_add(*, organization: Organization, user: User, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”: choose one of %(roles)s.") % {
            "role": role, "roles": ", ".join(Role.values)}})
    membership, _created = Membership.objects.for_organization(organization).update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def team_create(*, organization: Organization, name: str, description: str = "", members: list[User] = ()) -> Team:
    if Team.objects.for_organization(organization).filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A team called “%(name)s” already exists.") % {"name": name}})
    team = Team.objects.create(organization=organization, name=name, description=description)
    team_set_members(team=team, members=members)
    return team


@transaction.atomic
def team_update(*, team: Team, name: str | None = None, description: str | None = None,
                members: list[User] | None = None) -> Team:
    if name is not None and name != team.name:
        if Team.objects.for_organization(team.organization_id).filter(name__iexact=name).exclude(pk=team.pk).exists():
            raise ValidationError({"name": _("A team called “%(name)s” already exists.") % {"name": name}})
        team.name = name
    if description is not None:
        team.description = description
    team.save(update_fields=["name", "description"])
    if members is not None:
        team_set_members(team=team, members=members)
    return team


def team_set_members(*, team: Team, members) -> None:
    member_ids = {user.pk for user in members}
    outsiders = member_ids - set(
        Membership.objects.for_organization(team.organization_id).filter(user_id__in=member_ids).values_list("user_id", flat=True)
    )
    if outsiders:
        raise ValidationError({"members": _("Only members of this organization can join its teams.")})
    TeamMember.objects.for_organization(team.organization_id).filter(team=team).exclude(user_id__in=member_ids).delete()
    existing = set(TeamMember.objects.for_organization(team.organization_id).filter(team=team).values_list("user_id", flat=True))
    TeamMember.objects.bulk_create(
        [TeamMember(organization_id=team.organization_id, team=team, user_id=uid) for uid in member_ids - existing]
    )


def team_delete(*, team: Team) -> None:
    team.delete()


# --- Members and invitations ---------------------------------------------------------------------


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”: choose one of %(roles)s.") % {
            "role": role, "roles": ", ".join(Role.values)}})


def _mail(*, to: User | str, language: str, subject: str, template: str, context: dict) -> None:
    """One e-mail, written in the recipient's language (their profile's, else the organization's)."""
    with translation.override(language):
        send_mail(str(subject), render_to_string(template, context), None, [to if isinstance(to, str) else to.email])


def _language_of(user: User | None, organization: Organization) -> str:
    return (user.language if user is not None and user.language else "") or organization.language


@transaction.atomic
def member_invite(*, organization: Organization, email: str, role: str, invited_by: User | None,
                  site_url: str) -> Invitation:
    """Invite someone by e-mail: a link valid once, for INVITATION_LIFETIME. A new invitation to the
    same address replaces a pending one (its link stops working)."""
    email = (email or "").strip().lower()
    _check_role(role)
    if not email or "@" not in email:
        raise ValidationError({"email": _("Enter the e-mail address of the person to invite.")})
    if Membership.objects.for_organization(organization).filter(user__email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s is already a member of this organization.") % {"email": email}})
    Invitation.objects.for_organization(organization).filter(email__iexact=email, accepted_at__isnull=True).delete()
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, token_digest=digest(token), invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    link = site_url.rstrip("/") + reverse("invitation-accept", kwargs={"token": token})
    existing = User.objects.filter(email__iexact=email).first()
    language = _language_of(existing, organization)
    with translation.override(language):
        subject = _("%(organization)s invites you to Vigie") % {"organization": organization.name}
        role_label = str(Role(role).label)
    # Sent before the transaction ends: a mail server refusing it refuses the invitation too, rather
    # than leaving a pending invitation nobody received.
    _mail(to=email, language=language, subject=subject, template="accounts/email/invitation.txt",
          context={"organization": organization, "link": link, "role": role_label,
                   "inviter": invited_by.display_name if invited_by else "", "expires_at": invitation.expires_at,
                   "time_zone": organization.time_zone})
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation behind a link, or a ValidationError that says why it no longer works."""
    # Crossing organizations on purpose: the link itself says which organization it is for.
    invitation = (Invitation.objects.unscoped().select_related("organization")
                  .filter(token_digest=digest(token or "")).first())
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid (or was replaced by a newer one). "
                                "Ask an admin of the organization to invite you again."), code="unknown")
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was already used. Log in with your e-mail address, "
                                "or ask an admin to invite you again."), code="used")
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired. Ask an admin of the organization to invite you again."),
                              code="expired")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, full_name: str = "", password: str = "") -> tuple[User, Membership]:
    """Accept an invitation: create the account (with this password) or, for someone who already has
    one, add the membership. Nothing is saved if anything is refused."""
    invitation = invitation_for_token(token)
    # Locked so that two clicks on the same link cannot both use it.
    invitation = Invitation.objects.unscoped().select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was already used. Log in with your e-mail address, "
                                "or ask an admin to invite you again."), code="used")
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        from django.contrib.auth.password_validation import validate_password

        user = User(email=invitation.email, full_name=(full_name or "").strip()[:150])
        if not password:
            raise ValidationError({"password": _("Choose a password.")})
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        user.set_password(password)
        user.save()
    membership = membership_add(organization=invitation.organization, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user, membership


def invitation_revoke(*, invitation: Invitation) -> None:
    invitation.delete()


def _admins_left(organization_id: int, *, without: Membership) -> bool:
    return Membership.objects.for_organization(organization_id).filter(role=Role.ADMIN).exclude(pk=without.pk).exists()


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    """Takes effect at the member's next request: every page and API call reads the role afresh."""
    _check_role(role)
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _admins_left(membership.organization_id,
                                                                                  without=membership):
        raise ValidationError({"role": _("This is the last admin of the organization: make someone else admin first.")})
    membership.role = role
    membership.save(update_fields=["role"])
    broadcast_on_commit(organization_id=membership.organization_id, topic=f"user.{membership.user_id}",
                        event={"type": "membership.changed", "role": role})
    return membership


def member_assigned_count(*, membership: Membership) -> int:
    from inbox.models import Conversation, ConversationStatus

    return (Conversation.objects.for_organization(membership.organization_id)
            .filter(assignee_id=membership.user_id)
            .exclude(status=ConversationStatus.CLOSED).count())


@transaction.atomic
def membership_remove(*, membership: Membership) -> int:
    """Remove someone from the organization. Their conversations go back to their team's queue
    (unassigned), they leave its teams, their tokens here stop working. Returns how many open
    conversations were handed back."""
    from inbox.models import Conversation, ConversationStatus

    organization_id = membership.organization_id
    if membership.role == Role.ADMIN and not _admins_left(organization_id, without=membership):
        raise ValidationError(_("This is the last admin of the organization: make someone else admin first."))
    assigned = Conversation.objects.for_organization(organization_id).filter(assignee_id=membership.user_id)
    returned = assigned.exclude(status=ConversationStatus.CLOSED).count()
    assigned.update(assignee=None, updated_at=timezone.now())
    TeamMember.objects.for_organization(organization_id).filter(user_id=membership.user_id).delete()
    ApiToken.objects.for_organization(organization_id).filter(user_id=membership.user_id,
                                                              revoked_at__isnull=True).update(revoked_at=timezone.now())
    membership.delete()
    broadcast_on_commit(organization_id=organization_id, topic=f"user.{membership.user_id}",
                        event={"type": "membership.removed"})
    return returned


def password_reset_send(*, user: User, organization: Organization | None, site_url: str) -> None:
    """The e-mail with a link to choose a new password (Django's reset views and token)."""
    language = user.language or (organization.language if organization else "en")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = site_url.rstrip("/") + reverse("password_reset_confirm",
                                          kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})
    with translation.override(language):
        subject = _("Choose a new Vigie password")
    _mail(to=user, language=language, subject=subject, template="registration/password_reset_email.txt",
          context={"user": user, "link": link})


# --- API tokens ------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, organization: Organization, user: User, name: str, role: str) -> tuple[ApiToken, str]:
    """A new key for this organization only. Returns the row and the key, which is never stored."""
    _check_role(role)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name that says what uses it (e.g. “BI export”).")})
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(organization=organization, user=user, name=name[:80], role=role,
                                    prefix=key[:10], key_digest=digest(key))
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_used(*, token: ApiToken) -> None:
    """Remember the last use, at most once a minute per token (not a write per request)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.for_organization(token.organization_id).filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def profile_update(*, user: User, language: str | None = None, time_zone: str | None = None,
                   full_name: str | None = None) -> User:
    fields = []
    if language is not None:
        user.language = language
        fields.append("language")
    if time_zone is not None:
        user.time_zone = time_zone
        fields.append("time_zone")
    if full_name is not None:
        user.full_name = full_name.strip()[:150]
        fields.append("full_name")
    user.full_clean(validate_unique=False, exclude=[f.name for f in User._meta.fields if f.name not in fields])
    user.save(update_fields=fields)
    return user
