"""Pages of the crisis cell (statement), under /o/<slug>/crisis/."""

from django.urls import path

from . import statement_views

urlpatterns: list = [
    path("statements/", statement_views.StatementListView.as_view(), name="statement-list"),
    path("statements/<int:pk>/", statement_views.StatementDetailView.as_view(), name="statement-detail"),
]
