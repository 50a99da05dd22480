"""Pages of the crisis cell (cluster), under /o/<slug>/crisis/."""

from django.urls import path

from . import cluster_views

urlpatterns: list = [
    path("<int:pk>/queue/", cluster_views.CrisisQueueView.as_view(), name="crisis-queue"),
    path("<int:crisis_pk>/clusters/<int:pk>/", cluster_views.ClusterDetailView.as_view(), name="crisis-cluster"),
    path("<int:crisis_pk>/clusters/<int:pk>/preview/", cluster_views.ClusterPreviewView.as_view(),
         name="crisis-cluster-preview"),
    path("<int:crisis_pk>/clusters/<int:pk>/progress/", cluster_views.ClusterProgressView.as_view(),
         name="crisis-cluster-progress"),
]
