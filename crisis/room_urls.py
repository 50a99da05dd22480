"""Pages of the crisis cell (room), under /o/<slug>/crisis/."""

from django.urls import path

from . import room_views as views

urlpatterns: list = [
    path("<int:pk>/", views.CrisisRoomView.as_view(), name="crisis-room"),
    path("<int:pk>/room/series/", views.RoomSeriesView.as_view(), name="crisis-room-series"),
    path("<int:pk>/room/presence/", views.RoomPresenceView.as_view(), name="crisis-room-presence"),
    path("<int:pk>/room/posts/", views.RoomPostsView.as_view(), name="crisis-room-posts"),
    path("<int:pk>/room/timeline/", views.RoomTimelineView.as_view(), name="crisis-room-timeline"),
    path("<int:pk>/room/tasks/", views.RoomTasksView.as_view(), name="crisis-room-tasks"),
    path("<int:pk>/room/tasks/<int:task_pk>/", views.RoomTaskView.as_view(), name="crisis-room-task"),
    path("<int:pk>/room/sources/", views.RoomSourcesView.as_view(), name="crisis-room-sources"),
    path("<int:pk>/room/sources/<int:source_pk>/", views.RoomSourceView.as_view(), name="crisis-room-source"),
]
