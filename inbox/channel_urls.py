"""Pages for connecting and watching channels, under /o/<slug>/channels/ (included from config.urls)."""

urlpatterns: list = []
