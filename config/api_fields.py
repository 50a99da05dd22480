"""Serializer fields whose bounds are the database's: what a column cannot hold is a 400, not a 500."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def column_integer(model: type[Model], field_name: str, **kwargs: Any) -> serializers.IntegerField:
    """An integer input bounded by its column's type (a position in a smallint takes 0..32767)."""
    column = model._meta.get_field(field_name)
    low, high = connection.ops.integer_field_range(column.get_internal_type())
    if low is not None:
        kwargs["min_value"] = max(low, kwargs.get("min_value", low))
    if high is not None:
        kwargs["max_value"] = min(high, kwargs.get("max_value", high))
    return serializers.IntegerField(**kwargs)


# A primary or foreign key sent by a client: beyond a bigint it can name nothing.
def object_id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=2**63 - 1, **kwargs)


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(serializers.JSONField):
    """A JSON document that must be an object ({...}), as the code reading it expects."""

    default_error_messages = {"not_an_object": _("Expected a JSON object ({{...}}), got {type}.")}
    type_names = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_an_object", type=self.type_names.get(type(value), "null"))
        return value
