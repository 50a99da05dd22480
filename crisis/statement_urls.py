"""Pages of the crisis cell (statement), under /o/<slug>/crisis/."""

urlpatterns: list = []
