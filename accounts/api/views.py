from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import ApiToken, Invitation, Membership, Team
from ..roles import Permission
from ..tenancy import OrganizationViewSet
from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    InvitationSerializer,
    MemberRemovedSerializer,
    MembershipOutputSerializer,
    MembershipRoleInputSerializer,
    OrganizationSummarySerializer,
    TeamInputSerializer,
    TeamOutputSerializer,
)


def _members_by_id(organization, ids):
    memberships = selectors.member_users(organization=organization, user_ids=ids)
    missing = set(ids) - set(memberships)
    if missing:
        raise APIValidationError({"member_ids": [_("No member of this organization has id %(id)s.") % {"id": i}
                                                 for i in sorted(missing)]})
    return list(memberships.values())


class MyOrganizationsView(APIView):
    """The organizations the caller belongs to, with their role in each."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OrganizationSummarySerializer(many=True))
    def get(self, request):
        memberships = selectors.memberships_of(user=request.user)
        if isinstance(request.auth, ApiToken):
            # A token knows one organization only, whatever else its creator belongs to.
            memberships = memberships.filter(organization_id=request.auth.organization_id)
        return Response(OrganizationSummarySerializer(memberships, many=True).data)


def _refused(error: ValidationError):
    return APIValidationError(error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages})


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Members of the organization; admins change roles, remove members and send password resets."""

    model = Membership
    serializer_class = MembershipOutputSerializer
    write_permission = Permission.MANAGE_MEMBERS
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.select_related("user").order_by("user__email")

    @extend_schema(request=MembershipRoleInputSerializer, responses=MembershipOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change a member's role; it applies from their next request."""
        membership = self.get_object()
        data = MembershipRoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            membership = services.membership_change_role(membership=membership, role=data.validated_data["role"])
        except ValidationError as error:
            raise _refused(error) from None
        return Response(MembershipOutputSerializer(membership).data)

    @extend_schema(request=None, responses=MemberRemovedSerializer)
    def destroy(self, request, *args, **kwargs):
        """Remove a member: their open conversations go back to their team, unassigned."""
        membership = self.get_object()
        try:
            returned = services.membership_remove(membership=membership)
        except ValidationError as error:
            raise _refused(error) from None
        return Response({"returned_conversations": returned})

    @extend_schema(request=None, responses={202: None})
    @action(detail=True, methods=["post"], url_path="password-reset")
    def password_reset(self, request, *args, **kwargs):
        """E-mail the member a link to choose a new password."""
        membership = self.get_object()
        services.password_reset_send(user=membership.user, organization=self.organization,
                                     site_url=request.build_absolute_uri("/"))
        return Response(status=status.HTTP_202_ACCEPTED)


class InvitationViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, OrganizationViewSet):
    """Pending invitations by e-mail; the link in the e-mail works once, for seven days."""

    model = Invitation
    serializer_class = InvitationSerializer
    read_permission = Permission.MANAGE_MEMBERS
    write_permission = Permission.MANAGE_MEMBERS
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return selectors.pending_invitations(organization=self.organization)

    @extend_schema(request=InvitationSerializer, responses={201: InvitationSerializer})
    def create(self, request, *args, **kwargs):
        """Invite someone by e-mail with a role."""
        data = InvitationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            invitation = services.member_invite(organization=self.organization, invited_by=request.user,
                                                site_url=request.build_absolute_uri("/"), **data.validated_data)
        except ValidationError as error:
            raise _refused(error) from None
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.invitation_revoke(invitation=instance)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                      OrganizationViewSet):
    """Keys for scripts, valid in this organization only, each with a role; deleting revokes."""

    model = ApiToken
    serializer_class = ApiTokenSerializer
    read_permission = Permission.MANAGE_MEMBERS
    write_permission = Permission.MANAGE_MEMBERS
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.select_related("user").order_by("revoked_at", "-created_at")

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        """Create a token; its key is in this answer only."""
        data = ApiTokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token, key = services.api_token_create(organization=self.organization, user=request.user,
                                                   **data.validated_data)
        except ValidationError as error:
            raise _refused(error) from None
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED,
                        headers={"Cache-Control": "no-store"})

    def destroy(self, request, *args, **kwargs):
        """Revoke a token: requests made with it answer 401 from now on."""
        token = services.api_token_revoke(token=self.get_object())
        return Response(ApiTokenSerializer(token).data)


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrganizationViewSet):
    model = Team
    serializer_class = TeamOutputSerializer
    write_permission = Permission.MANAGE_TEAMS
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.prefetch_related("members").order_by("name")

    @extend_schema(request=TeamInputSerializer, responses={201: TeamOutputSerializer})
    def create(self, request, *args, **kwargs):
        data = TeamInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        members = _members_by_id(self.organization, data.validated_data.pop("member_ids"))
        try:
            team = services.team_create(organization=self.organization, members=members, **data.validated_data)
        except ValidationError as error:
            raise APIValidationError(error.message_dict) from None
        return Response(TeamOutputSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TeamInputSerializer, responses=TeamOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        team = self.get_object()
        data = TeamInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        members = _members_by_id(self.organization, values.pop("member_ids")) if "member_ids" in request.data else None
        try:
            team = services.team_update(team=team, members=members, **values)
        except ValidationError as error:
            raise APIValidationError(error.message_dict) from None
        return Response(TeamOutputSerializer(team).data)

    def perform_destroy(self, instance):
        services.team_delete(team=instance)
