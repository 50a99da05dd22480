from django.urls import path

from . import views

# Pages under /o/<slug>/ (included from config.urls).
organization_urlpatterns = [
    path("", views.OrganizationHomeView.as_view(), name="organization-home"),
    path("teams/", views.TeamListView.as_view(), name="team-list"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team-detail"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
]
