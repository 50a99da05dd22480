"""Pages of the crisis cell (cell), under /o/<slug>/crisis/."""

urlpatterns: list = []
