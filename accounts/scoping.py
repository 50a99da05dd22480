"""Tenant scoping: the one mechanism that keeps each organization's rows to itself.

Every tenant-owned model inherits `OrganizationOwnedModel`. Its default manager refuses to run a
query that was not scoped: call `.for_organization(org)` (the normal path), reach rows through a
scoped parent (`conversation.messages.all()`), or say `.unscoped()` explicitly (workers that sweep
across organizations, migrations of data). Internal lookups Django makes itself (saving, deleting,
`message.conversation`) go through the plain base manager.
"""

from __future__ import annotations

from django.db import models


class UnscopedQueryError(RuntimeError):
    pass


class OrganizationScopedQuerySet(models.QuerySet):
    _vigie_scoped = False

    def _clone(self):
        clone = super()._clone()
        clone._vigie_scoped = self._vigie_scoped
        return clone

    def for_organization(self, organization) -> OrganizationScopedQuerySet:
        organization_id = getattr(organization, "pk", organization)
        if organization_id is None:
            raise UnscopedQueryError("for_organization() needs an organization, got None")
        clone = self.filter(organization_id=organization_id)
        clone._vigie_scoped = True
        return clone

    def unscoped(self) -> OrganizationScopedQuerySet:
        clone = self._clone()
        clone._vigie_scoped = True
        return clone

    def _require_scope(self) -> None:
        # A related manager of a tenant-owned parent (conversation.messages) is already narrowed to
        # that parent's organization; one of a user (user.assigned_conversations) is not.
        if self._vigie_scoped or isinstance(self._hints.get("instance"), OrganizationOwnedModel):
            return
        raise UnscopedQueryError(
            f"Query on {self.model.__name__} without an organization: use "
            f".for_organization(org), or .unscoped() where crossing organizations is intended."
        )

    def __repr__(self):
        if not (self._vigie_scoped or isinstance(self._hints.get("instance"), OrganizationOwnedModel)):
            return f"<unscoped {self.model.__name__} query: call .for_organization(org)>"
        return super().__repr__()

    def _fetch_all(self):
        if self._result_cache is None:
            self._require_scope()
        return super()._fetch_all()

    def count(self):
        self._require_scope()
        return super().count()

    def exists(self):
        self._require_scope()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def iterator(self, *args, **kwargs):
        self._require_scope()
        return super().iterator(*args, **kwargs)

    def update(self, **kwargs):
        self._require_scope()
        return super().update(**kwargs)

    def delete(self):
        self._require_scope()
        return super().delete()


class OrganizationScopedManager(models.Manager.from_queryset(OrganizationScopedQuerySet)):
    pass


class CrossOrganizationQuerySet(models.QuerySet):
    """The base manager's rows, across every organization (Django's own saves, deletes and related
    lookups go through it). Its repr never runs the query: a debug page or an error report showing
    a frame's variables (Model.save's `base_qs`) must not list other organizations' rows."""

    def __repr__(self):
        return f"<{self.model.__name__} rows across organizations (not listed)>"


class CrossOrganizationManager(models.Manager.from_queryset(CrossOrganizationQuerySet)):
    pass


class OrganizationOwnedModel(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")

    objects = OrganizationScopedManager()
    all_organizations = CrossOrganizationManager()  # noqa: DJ012 - the scoped manager must stay first (the default)

    class Meta:
        abstract = True
        base_manager_name = "all_organizations"
