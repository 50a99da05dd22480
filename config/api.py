"""API errors in words people can act on, whichever layer raised them."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.pagination import CursorPagination
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

