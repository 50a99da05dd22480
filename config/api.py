"""API errors in words people can act on, whichever layer raised them."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework import status
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import CursorPagination
from rest_framework.request import clone_request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    from inbox.reply_guard import ReplyBlocked
    from inbox.services import ReplyNeedsConfirmation

    if isinstance(exc, ReplyBlocked):
        # 422: the guides refuse the reply as written; the findings say where and what to do instead.
        return Response({"code": exc.code, "detail": exc.messages[0], "findings": exc.findings},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, ReplyNeedsConfirmation):
        # 409: nothing is wrong with the request, but a person must confirm before it goes out.
        return Response({"code": exc.code, "detail": exc.messages[0], "details": exc.details},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": " ".join(exc.messages)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.setdefault("WWW-Authenticate", "Token")
    return response


class NewestFirstCursorPagination(CursorPagination):
    """Stable pages even while rows arrive: cursors, newest first, by id."""

    ordering = "-pk"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


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
