"""Shared by the benchmarks: Django set-up and removing a benchmark organization's rows."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def quiet_query_log() -> None:
    """DEBUG=1 makes Django keep every SQL statement in memory; production (DEBUG=0) does not."""
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False
    connection.force_debug_cursor = False


def purge_organizations(organization_ids: list[int]) -> None:
    """Delete every row the organizations own, then the organizations: raw SQL, one transaction.

    The ORM's cascade would load hundreds of thousands of rows into Python; Django's foreign keys
    are DEFERRABLE INITIALLY DEFERRED, so deleting table by table in one transaction is safe.
    """
    if not organization_ids:
        return
    from django.apps import apps
    from django.db import connection, transaction

    from accounts.models import Organization

    def organization_owned(model) -> bool:
        try:
            field = model._meta.get_field("organization")
        except Exception:  # noqa: BLE001 - FieldDoesNotExist
            return False
        return getattr(field, "related_model", None) is Organization and field.concrete

    models = apps.get_models(include_auto_created=True)
    owned = [model for model in models if organization_owned(model)]
    owned_tables = {model._meta.db_table for model in owned}
    ids = list(organization_ids)
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # Automatic many-to-many tables have no organization column: reach them through their owner.
        for model in models:
            if not model._meta.auto_created:
                continue
            for field in model._meta.concrete_fields:
                target = getattr(field, "related_model", None)
                if target is not None and target._meta.db_table in owned_tables:
                    cursor.execute(
                        f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(field.column)} IN "
                        f"(SELECT id FROM {quote(target._meta.db_table)} WHERE organization_id = ANY(%s))",
                        [ids],
                    )
        for model in owned:
            if model._meta.auto_created or model._meta.proxy:
                continue
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE organization_id = ANY(%s)", [ids])
        cursor.execute(f"DELETE FROM {quote(Organization._meta.db_table)} WHERE id = ANY(%s)", [ids])
