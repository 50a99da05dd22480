"""The crisis room's API routes (included from crisis/api/urls.py)."""

from django.urls import path

from . import room as views

urlpatterns = [
    path("crises/<int:pk>/room/series/", views.RoomSeriesAPIView.as_view(), name="crisis-room-series"),
    path("crises/<int:pk>/room/timeline/", views.RoomTimelineAPIView.as_view(), name="crisis-room-timeline"),
    path("crises/<int:pk>/room/tasks/", views.RoomTasksAPIView.as_view(), name="crisis-room-tasks"),
    path("crises/<int:pk>/room/tasks/<int:task_pk>/", views.RoomTaskAPIView.as_view(), name="crisis-room-task"),
    path("crises/<int:pk>/room/sources/", views.RoomSourcesAPIView.as_view(), name="crisis-room-sources"),
    path("crises/<int:pk>/room/sources/<int:source_pk>/", views.RoomSourceAPIView.as_view(),
         name="crisis-room-source"),
]
