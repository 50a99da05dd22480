from django.urls import path

from . import views

# Under /o/<slug>/guides/ (included from config.urls).
urlpatterns = [
    path("", views.GuideListView.as_view(), name="playbooks-guides"),
    path("<int:pk>/", views.GuideDetailView.as_view(), name="playbooks-guide"),
    path("rules/", views.RulesView.as_view(), name="playbooks-rules"),
    path("approvals/", views.ApprovalQueueView.as_view(), name="playbooks-approvals"),
    path("approvals/<int:pk>/act", views.ApprovalActView.as_view(), name="playbooks-approval-act"),
    path("composer/<int:pk>/", views.GuidePanelView.as_view(), name="playbooks-panel"),
    path("training/", views.TrainingListView.as_view(), name="playbooks-training"),
    path("training/<int:pk>/", views.TrainingSessionView.as_view(), name="playbooks-training-session"),
]
