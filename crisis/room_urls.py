"""Pages of the crisis cell (room), under /o/<slug>/crisis/."""

urlpatterns: list = []
