"""What error pages, error e-mails, logged reports and log lines may show: never a secret, never
another organization's rows.

Django's filter hides settings and variables named like secrets, but only with DEBUG off, and only
variables a `sensitive_variables` decorator names. A DEBUG 500 page is shown to whoever caused the
error, an anonymous webhook caller included, so here the filter is always on, and it also hides:
- variables and dictionary keys named like credentials, whatever function holds them (decrypted
  channel credentials travel as dicts of `bearer_token`, `consumer_secret`, `app_password`...);
- query parameters named like secrets (`hub.verify_token`, `crc_token`), in the parameter table,
  the request's address and QUERY_STRING;
- querysets and managers, which a report would otherwise evaluate to print (Model.save holds the
  base manager's rows of every organization).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode

from django.db.models import Manager, QuerySet
from django.http import HttpRequest
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

SENSITIVE_NAMES = re.compile(
    r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE|CREDENTIAL|SESSION|CSRF|DIGEST|PRIVATE|VERIFY|CHALLENGE|"
    r"CRC|DATABASE_URL|REDIS|BROKER|RESULT_BACKEND|LOCATION|DSN|QUERY_STRING|^HOSTS$",
    flags=re.I,
)


class VigieExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = SENSITIVE_NAMES

    def is_active(self, request):
        # Also with DEBUG on: the page goes to whoever triggered the error.
        return True

    def cleanse_special_types(self, request, value):
        try:
            if isinstance(value, (QuerySet, Manager)):
                model = getattr(value.model, "__name__", "rows")
                return f"<{type(value).__name__} of {model} (not evaluated in error reports)>"
            if isinstance(value, HttpRequest):
                # Its repr holds the query string.
                return f"<{type(value).__name__}: {value.method} {value.path!r}>"
        except Exception as error:  # noqa: BLE001 - a lazy object that fails must not break the report
            return f"<{type(error).__name__} while reading this value>"
        value = super().cleanse_special_types(request, value)
        if isinstance(value, dict):
            return self.cleanse_setting("", value)
        return value

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleansed_substitute if SENSITIVE_NAMES.search(name) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def cleanse_query(self, pairs) -> list[tuple[str, str]]:
        return [(key, self.cleansed_substitute if SENSITIVE_NAMES.search(key) else value) for key, value in pairs]


class VigieExceptionReporter(ExceptionReporter):
    """Django's reporter, with the query string passed through the filter too."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None and isinstance(self.filter, VigieExceptionReporterFilter):
            data["request_GET_items"] = self.filter.cleanse_query(self.request.GET.items())
            uri = data.get("request_insecure_uri", "")
            if "?" in uri:
                address, query = uri.split("?", 1)
                data["request_insecure_uri"] = address + "?" + urlencode(
                    self.filter.cleanse_query(parse_qsl(query, keep_blank_values=True)))
        return data


# --- Logs --------------------------------------------------------------------------------------
# Log lines and their tracebacks pass through this filter (LOGGING in config/settings.py): a
# platform client's exception may quote the URL it called, and Graph API URLs carry the Page token.

_SECRET_PARAMETERS = re.compile(
    r"((?:access_token|appsecret_proof|client_secret|consumer_secret|crc_token|hub\.verify_token|verify_token|"
    r"password|api_key|token)=)[^&\s'\"<>]+", re.I)
_BEARER = re.compile(r"((?:Bearer|Token)\s+)[A-Za-z0-9._~+/=-]{8,}")
# The token in a webhook address routes deliveries to a channel: kept out of the logs too.
_WEBHOOK_ADDRESS = re.compile(r"(/webhooks/(?:x|meta)/)[^/\s'\"]+")
_HIDDEN = SafeExceptionReporterFilter.cleansed_substitute


def redact(text: str) -> str:
    text = _SECRET_PARAMETERS.sub(lambda match: match.group(1) + _HIDDEN, text)
    text = _BEARER.sub(lambda match: match.group(1) + _HIDDEN, text)
    return _WEBHOOK_ADDRESS.sub(lambda match: match.group(1) + _HIDDEN, text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
