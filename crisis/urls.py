from django.urls import include, path

from . import views

# Pages under /o/<slug>/ (included from config.urls).
urlpatterns = [
    path("oncall/", views.OnCallView.as_view(), name="oncall"),
    path("oncall/rotas/<int:pk>/", views.RotaDetailView.as_view(), name="rota-detail"),
    path("oncall/swaps/<int:pk>/", views.SwapDecisionView.as_view(), name="rota-swap-decide"),
    path("oncall/handover/", views.HandoverView.as_view(), name="handover"),
    path("oncall/policies/", views.EscalationPoliciesView.as_view(), name="escalation-policies"),
    path("oncall/detection/", views.DetectionView.as_view(), name="detection"),
    path("alerts/", views.AlertListView.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert-detail"),
    path("me/notifications/", views.NotificationSettingsView.as_view(), name="contact-methods"),
    # The crisis cell, one module per area.
    path("crisis/", include("crisis.cell_urls")),
    path("crisis/", include("crisis.room_urls")),
    path("crisis/", include("crisis.statement_urls")),
    path("crisis/", include("crisis.cluster_urls")),
    path("crisis/", include("crisis.report_urls")),
]

# Outside any organization: the signed link itself says which alert and who.
public_urlpatterns = [
    path("ack/<str:token>/", views.AckLinkView.as_view(), name="alert-ack-link"),
    path("calendars/rota/<str:token>.ics", views.RotaCalendarView.as_view(), name="calendar-rota"),
    path("calendars/person/<str:token>.ics", views.PersonalCalendarView.as_view(), name="calendar-person"),
]
