"""Pages of the crisis cell (report), under /o/<slug>/crisis/."""

urlpatterns: list = []
