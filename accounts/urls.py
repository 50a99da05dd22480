from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

# Pages under /o/<slug>/ (included from config.urls).
organization_urlpatterns = [
    path("", views.OrganizationHomeView.as_view(), name="organization-home"),
    path("teams/", views.TeamListView.as_view(), name="team-list"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team-detail"),
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("members/<int:pk>/", views.MemberDetailView.as_view(), name="member-detail"),
    path("api-tokens/", views.ApiTokenListView.as_view(), name="token-list"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
]

# Pages outside any organization: joining one, resetting a password, one's own profile.
public_urlpatterns = [
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="registration/password_reset_done.html"), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="registration/password_reset_confirm.html"), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="registration/password_reset_complete.html"), name="password_reset_complete"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/language/", views.LanguageView.as_view(), name="profile-language"),
]
