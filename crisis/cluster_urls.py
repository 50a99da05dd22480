"""Pages of the crisis cell (cluster), under /o/<slug>/crisis/."""

urlpatterns: list = []
