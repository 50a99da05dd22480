from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import Membership, Team
from ..roles import Permission
from ..tenancy import OrganizationViewSet
from .serializers import (
    MembershipOutputSerializer,
    OrganizationSummarySerializer,
    TeamInputSerializer,
    TeamOutputSerializer,
)


def _members_by_id(organization, ids):
    memberships = selectors.member_users(organization=organization, user_ids=ids)
    missing = set(ids) - set(memberships)
    if missing:
        raise APIValidationError({"member_ids": [f"No member of this organization has id {i}." for i in sorted(missing)]})
    return list(memberships.values())


class MyOrganizationsView(APIView):
    """The organizations the caller belongs to, with their role in each."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OrganizationSummarySerializer(many=True))
    def get(self, request):
        return Response(OrganizationSummarySerializer(selectors.memberships_of(user=request.user), many=True).data)


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Members of the organization (memberships are managed by admins in the pages)."""

    model = Membership
    serializer_class = MembershipOutputSerializer
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.select_related("user").order_by("user__email")


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
