"""Where a request meets its organization: resolved once from the URL, checked, passed down.

Pages use `OrganizationPageMixin`, the API uses `OrganizationViewSet` / `OrganizationAPIView`;
both answer 404 to a non-member exactly as for an organization that does not exist, and 403 to a
member whose role lacks the permission.
"""

from __future__ import annotations

import copy

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, viewsets
from rest_framework.views import APIView

from .middleware import activate_local_zone
from .models import Membership, Organization
from .roles import Permission, role_can


def membership_for(*, user, organization_slug: str) -> Membership:
    """The user's membership in the organization, or Http404 (never tells a non-member it exists)."""
    if not user.is_authenticated:
        raise Http404
    try:
        # Crossing organizations on purpose: this is the lookup that decides the organization.
        return Membership.objects.unscoped().select_related("organization").get(
            organization__slug=organization_slug, user=user
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def access_by_id(queryset, *, organization: Organization, pk):
    """Fetch one tenant-owned object by id within the organization; another's answers 404."""
    try:
        return queryset.for_organization(organization).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


class OrganizationPageMixin(LoginRequiredMixin):
    """Base for every page under /o/<slug>/: sets self.organization and self.membership."""

    permission: Permission = Permission.VIEW_INBOX
    # Optional stricter permission for POST (forms that change things).
    write_permission: Permission | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = membership_for(user=request.user, organization_slug=kwargs.pop("organization_slug"))
        self.membership = membership
        self.organization = membership.organization
        request.organization = membership.organization
        request.membership = membership
        activate_local_zone(request.user, membership.organization)
        needed = self.write_permission if request.method not in ("GET", "HEAD", "OPTIONS") and self.write_permission else self.permission
        if not role_can(membership.role, needed):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        context["membership"] = self.membership
        return context


class _OrganizationAPIMixin:
    """Resolves the organization after authentication, before anything reads data."""

    read_permission: Permission = Permission.VIEW_INBOX
    write_permission: Permission = Permission.WORK_CONVERSATIONS
    # Stricter needs of particular viewset actions, e.g. {"reply": Permission.REPLY}.
    action_permissions: dict[str, Permission] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        from .models import ApiToken

        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None and token.organization.slug != kwargs["organization_slug"]:
            raise exceptions.PermissionDenied(_(
                "This API token belongs to another organization: create a token in this organization."))
        try:
            membership = membership_for(user=request.user, organization_slug=kwargs["organization_slug"])
        except Http404:
            raise exceptions.NotFound() from None
        if token is not None:
            # The token's own role, not its creator's (a read-only token stays read-only).
            membership = copy.copy(membership)
            membership.role = token.role
        self.membership = membership
        self.organization = membership.organization
        request.organization = membership.organization
        request.membership = membership
        activate_local_zone(request.user, membership.organization)
        needed = self.action_permissions.get(getattr(self, "action", None) or "")
        if needed is None:
            needed = self.read_permission if request.method in ("GET", "HEAD", "OPTIONS") else self.write_permission
        if not role_can(membership.role, needed):
            raise exceptions.PermissionDenied(_("Your role in this organization does not allow this."))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["organization"] = getattr(self, "organization", None)
        return context


class OrganizationAPIView(_OrganizationAPIMixin, APIView):
    pass


class OrganizationViewSet(_OrganizationAPIMixin, viewsets.GenericViewSet):
    """Base viewset: the queryset is always the organization's. Subclasses narrow it further in
    `filter_organization_queryset`; overriding `get_queryset` is refused at class creation."""

    model = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset(); override filter_organization_queryset() instead "
                "so that the organization filter cannot be lost."
            )

    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types, no request
            return self.model.objects.unscoped().none()
        queryset = self.model.objects.for_organization(self.organization)
        return self.filter_organization_queryset(queryset)

    def filter_organization_queryset(self, queryset):
        return queryset

    def get_object(self):
        # Malformed ids answer 404 like missing ones, never 500.
        try:
            return super().get_object()
        except (ValueError, TypeError):
            raise exceptions.NotFound() from None


class OrganizationRelatedField(serializers.PrimaryKeyRelatedField):
    """An id sent by a client, looked up only among the current organization's rows."""

    def __init__(self, *, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.unscoped())  # replaced per request below
        super().__init__(**kwargs)

    def get_queryset(self):
        organization = self.context.get("organization")
        if organization is None:
            raise RuntimeError("OrganizationRelatedField needs the organization in the serializer context")
        return self.model.objects.for_organization(organization)
