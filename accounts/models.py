from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .scoping import OrganizationOwnedModel


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone (e.g. Europe/Paris)."), params={"value": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A user needs an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES,
        help_text=_("Empty: follow the browser."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]

    @property
    def initials(self) -> str:
        parts = self.display_name.replace(".", " ").split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class Organization(models.Model):
    """The tenant: a brand, or one of an agency's clients."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("address"), max_length=60, unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Lower-case letters, digits and dashes only."))],
    )
    brand_colour = models.CharField(
        _("brand colour"), max_length=7, default="#1f6feb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour such as #1f6feb."))],
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone])
    language = models.CharField(_("language"), max_length=8, default="fr", choices=settings.LANGUAGES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(OrganizationOwnedModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_organization")]

    def __str__(self):
        return f"{self.user} · {self.organization} ({self.role})"


class Team(OrganizationOwnedModel):
    """A group of community managers mirroring a service: customer care, marketing..."""

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    members = models.ManyToManyField(User, through="TeamMember", related_name="teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="team_name_unique_in_organization")]

    def __str__(self):
        return self.name


class TeamMember(OrganizationOwnedModel):
    """Who is in a team. Reached only through its team, so Django's own team.members queries
    use the plain manager (they are already narrowed to one team of one organization)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="team_memberships")

    class Meta(OrganizationOwnedModel.Meta):
        default_manager_name = "all_organizations"
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_once")]


class Invitation(OrganizationOwnedModel):
    """An e-mail invitation to join an organization with a role. The link carries a random token
    of which only a digest is kept; it works once and until `expires_at`."""

    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organization} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class ApiToken(OrganizationOwnedModel):
    """A key for scripts and integrations: valid in one organization only, with its own role.
    Only a digest of the key is stored; the key itself is shown once, when it is created."""

    name = models.CharField(_("name"), max_length=80)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    # Requests made with the token act as this person (activities, assignments say who did it).
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12)  # the key's first characters, to recognise it in the list
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
class Notification(OrganizationOwnedModel):
    """Something a person should see: a colleague's @mention in a note, and later other kinds
    (an on-call alert...). Generic on purpose: a kind, a title and a link are all the header's
    notification centre and the e-mail need."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)  # "mention", ...
    title = models.CharField(max_length=300)
    link = models.CharField(max_length=500, blank=True)  # a path inside the app
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the "you were mentioned" e-mail went out, so the sweep sends it once.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        indexes = [
            models.Index(fields=["organization", "recipient", "-created_at"], name="notification_list"),
            # The e-mail sweep: unread, not yet e-mailed.
            models.Index(fields=["created_at"], name="notification_to_email",
                         condition=models.Q(read_at__isnull=True, emailed_at__isnull=True)),
        ]
