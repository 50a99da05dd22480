"""Text PostgreSQL cannot store is refused at the door, for every page and API route at once.

A NUL character (a `%00` in a query string or a form, `\\u0000` in JSON) or a lone UTF-16
surrogate (`\\ud800` in JSON) is never meaningful in anything a person types, and PostgreSQL
refuses both (in text columns, JSON documents and query parameters alike), which turned a search
or a note into a server error wherever a view passed the value on. Refusing them here, before
any view runs, covers the query parameters, form fields and JSON bodies of every route, those
added later included, with one 400 that says what to fix. Lengths, number ranges and shapes are
checked by the forms and serializers, which know the columns.

The platforms' webhooks are left to their own code: a signed delivery is checked against its
signature first, and what a platform sends is the platform's text, not a person's input.
"""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any

from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.translation import gettext as _

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
SAFE_NAME = re.compile(r"^[\w.\-\[\]]{1,60}$")
EXEMPT_PREFIXES = ("/webhooks/", "/static/")


def _first_unstorable_in_pairs(pairs) -> str | None:
    for name, values in pairs:
        if UNSTORABLE.search(name):
            return ""
        for value in values:
            if isinstance(value, str) and UNSTORABLE.search(value):
                return name
    return None


def _first_unstorable_in_json(value: Any, name: str = "") -> str | None:
    if isinstance(value, str):
        return name if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if UNSTORABLE.search(key):
                return name
            found = _first_unstorable_in_json(item, name or key)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _first_unstorable_in_json(item, name)
            if found is not None:
                return found
    return None


def first_unstorable_field(request: HttpRequest) -> str | None:
    """The name of the first parameter or field holding unstorable text ("" when the name itself
    does), or None when everything can be stored."""
    found = _first_unstorable_in_pairs(request.GET.lists())
    if found is not None or request.method in ("GET", "HEAD", "OPTIONS"):
        return found
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        return _first_unstorable_in_pairs(QueryDict(request.body, encoding=request.encoding).lists())
    if content_type == "multipart/form-data":
        try:
            # Its own upload handler: the request's are left fresh for the view's parse.
            fields, files = MultiPartParser(request.META, BytesIO(request.body), [MemoryFileUploadHandler(request)],
                                            request.encoding).parse()
        except MultiPartParserError:
            return None  # the view's own parser answers 400 for a broken body
        return _first_unstorable_in_pairs([*fields.lists(), *((name, []) for name in files)])
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return None  # the view's own parser answers 400 for malformed JSON
        return _first_unstorable_in_json(document)
    return None


class UnstorableInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(EXEMPT_PREFIXES):
            field = first_unstorable_field(request)
            if field is not None:
                return self.refuse(request, field)
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, field: str) -> HttpResponse:
        # The field's name only when it is a plain identifier: an answer never echoes arbitrary input.
        if field and SAFE_NAME.match(field):
            message = _("“%(field)s” contains a character that cannot be stored (a NUL character or a lone "
                        "surrogate): remove it and try again.") % {"field": field}
        else:
            message = _("The request contains a character that cannot be stored (a NUL character or a lone "
                        "surrogate): remove it and try again.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
