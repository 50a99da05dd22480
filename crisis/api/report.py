"""The crisis report as JSON for API clients (the same figures as the page, its PDF and CSV)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts.roles import Permission
from accounts.tenancy import OrganizationAPIView

from .. import selectors
from ..report_views import report_json


class CrisisReportAPIView(OrganizationAPIView):
    """The report of a crisis: final once closed, the figures so far while active. Times are seconds
    from the storm's start (`detected_s`, `paged_s`, `acked_s`, `declared_s`, `first_statement_s`;
    null when it did not happen)."""

    read_permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.VIEW_CRISIS_ROOM
    http_method_names = ["get", "head", "options"]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The report of a crisis", tags=["crises"])
    def get(self, request, *args, **kwargs):
        crisis = selectors.crisis_detail(organization=self.organization, pk=kwargs["pk"])
        return Response(report_json(selectors.crisis_report(crisis=crisis)))
