"""API for channels, under /api/v1/o/<slug>/ (included from config.urls)."""

urlpatterns: list = []
