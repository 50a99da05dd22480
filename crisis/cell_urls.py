"""Pages of the crisis cell (cell), under /o/<slug>/crisis/."""

from django.urls import path

from . import cell_views

urlpatterns = [
    path("", cell_views.CrisisListView.as_view(), name="crisis-list"),
    path("declare/", cell_views.CrisisDeclareView.as_view(), name="crisis-declare"),
    path("banner/", cell_views.CrisisBannerView.as_view(), name="crisis-banner"),
    path("<int:pk>/close/", cell_views.CrisisCloseView.as_view(), name="crisis-close"),
]
