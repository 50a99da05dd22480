from django.urls import path

from . import settings_views

# Under /o/<slug>/settings/ (included from config.urls).
urlpatterns = [
    path("inbox/", settings_views.InboxSettingsPageView.as_view(), name="inbox-settings-page"),
    path("routing/", settings_views.RoutingRuleListView.as_view(), name="routing-rule-list"),
    path("routing/<int:pk>/", settings_views.RoutingRuleDetailView.as_view(), name="routing-rule-detail"),
]
