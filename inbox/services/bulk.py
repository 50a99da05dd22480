"""Bulk writes for ingestion: one statement per table whatever the batch size.

Raw SQL rather than bulk_create, whose per-value preparation was most of the ingestion time: rows
without anything to read back go through COPY, the others through INSERT ... SELECT FROM
unnest(arrays) ... RETURNING. Columns the caller does not set take the model field's default (or
now() for auto_now fields), so a column added to a model later still gets its value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from functools import cache
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone


def writable_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]


def _prep_function(model_field) -> Callable[[Any], Any] | None:
    """How a Python value becomes a query parameter, when psycopg cannot take it as it is."""
    if model_field.get_internal_type() == "JSONField":
        return lambda value: model_field.get_db_prep_save(value, connection)
    if model_field.choices:  # a TextChoices/IntegerChoices member is written as its value
        return lambda value: value.value if isinstance(value, Enum) else value
    return None  # str, int, float, bool, datetime, UUID and None are adapted by psycopg


_NOW, _CALL, _CONSTANT = "now", "call", "constant"


class _Plan(NamedTuple):
    table: str
    fields: list  # the given columns first, then the defaulted ones
    defaults: list[tuple[str, Any]]  # for the defaulted columns: (_NOW | _CALL | _CONSTANT, callable or value)
    prep: list[tuple[int, Callable[[Any], Any]]]  # column position -> conversion


@cache
def _plan(model, given: tuple[str, ...]) -> _Plan:
    by_name = {f.attname: f for f in writable_fields(model)}
    unknown = [name for name in given if name not in by_name]
    if unknown:
        raise ValueError(f"{model.__name__} has no writable column {unknown[0]!r}")
    others = [f for f in by_name.values() if f.attname not in given]
    defaults: list[tuple[str, Any]] = []
    for f in others:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults.append((_NOW, None))
        elif f.has_default() and callable(f.default):
            defaults.append((_CALL, f.default))
        else:
            defaults.append((_CONSTANT, f.get_default()))
    fields = [by_name[name] for name in given] + others
    prep = [(i, function) for i, function in ((i, _prep_function(f)) for i, f in enumerate(fields)) if function]
    return _Plan(model._meta.db_table, fields, defaults, prep)


def _full_rows(plan: _Plan, rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    now = timezone.now()
    constants = [now if kind == _NOW else value if kind == _CONSTANT else None for kind, value in plan.defaults]
    calls = [(i, value) for i, (kind, value) in enumerate(plan.defaults) if kind == _CALL]
    full = []
    for row in rows:
        values = [*row, *constants]
        if calls:
            start = len(row)
            for i, call in calls:
                values[start + i] = call()
        for position, convert in plan.prep:
            values[position] = convert(values[position])
        full.append(values)
    return full


def copy_insert(model, columns: tuple[str, ...], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows (values in the order of `columns`) into the model's table."""
    plan = _plan(model, columns)
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in plan.fields)
    with connection.cursor() as cursor, cursor.copy(f"COPY {quote(plan.table)} ({names}) FROM STDIN") as copy:
        for values in _full_rows(plan, rows):
            copy.write_row(values)


def unnest_insert(model, columns: tuple[str, ...], rows: Sequence[Sequence[Any]], *, suffix: str = "",
                   returning: str = "") -> list[tuple]:
    """INSERT ... SELECT FROM unnest(one array per column) [suffix] [RETURNING returning]."""
    plan = _plan(model, columns)
    quote = connection.ops.quote_name
    full = _full_rows(plan, rows)
    arrays = [list(column) for column in zip(*full, strict=True)] if full else [[] for _ in plan.fields]
    sql = (
        f"INSERT INTO {quote(plan.table)} ({', '.join(quote(f.column) for f in plan.fields)}) "
        f"SELECT * FROM unnest({', '.join(f'%s::{f.db_type(connection)}[]' for f in plan.fields)}) {suffix}"
    )
    if returning:
        sql += f" RETURNING {returning}"
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.fetchall() if returning else []
