"""OPTIONS answers for the API (DEFAULT_METADATA_CLASS).

Its own module: DRF reads this setting while defining APIView, so the module must not import
rest_framework.views (config/api.py does, for its exception handler).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


class RouteMetadata(SimpleMetadata):
    """OPTIONS: what a route accepts, for every route.

    DRF describes a PUT by first looking up the object it would change. A list-level route that
    changes an organization-wide setting (the detector's sensitivity) has no object to look up, and
    the look-up failed with a 500; such routes are described from their serializer alone. Writes a
    person's role does not allow are not described to them.
    """

    def determine_actions(self, request, view):
        from accounts.roles import role_can

        membership, needed = getattr(view, "membership", None), getattr(view, "write_permission", None)
        if membership is not None and needed and not role_can(membership.role, needed):
            return {}
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
        if not lookup or lookup in getattr(view, "kwargs", {}) or not hasattr(view, "get_serializer"):
            return super().determine_actions(request, view)
        actions = {}
        for method in {"PUT", "POST"} & set(view.allowed_methods):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
                actions[method] = self.get_serializer_info(view.get_serializer())
            except (exceptions.APIException, PermissionDenied, Http404):
                pass
            finally:
                view.request = request
        return actions
