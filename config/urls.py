from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from accounts.api.views import MyOrganizationsView
from accounts.urls import organization_urlpatterns as account_pages
from accounts.urls import public_urlpatterns as account_public_pages
from crisis.urls import public_urlpatterns as crisis_public

from .health import healthz

# Every page of an organization: /o/<slug>/...
organization_pages = [
    *account_pages,
    path("", include("inbox.urls")),
    path("channels/", include("inbox.channel_urls")),
    path("settings/", include("inbox.settings_urls")),
    path("", include("crisis.urls")),
    path("guides/", include("playbooks.urls")),
]

# Every API route of an organization: /api/v1/o/<slug>/...
organization_api = [
    path("", include("accounts.api.urls")),
    path("", include("inbox.api.urls")),
    path("", include("inbox.api.channel_urls")),
    path("", include("crisis.api.urls")),
    path("", include("playbooks.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", account_views.home, name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    *account_public_pages,
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("o/<slug:organization_slug>/", include(organization_pages)),
    path("api/v1/me/organizations/", MyOrganizationsView.as_view(), name="api-my-organizations"),
    path("api/v1/o/<slug:organization_slug>/", include((organization_api, "api"))),
    path("webhooks/", include("inbox.webhook_urls")),
    *crisis_public,
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # No OPTIONS metadata: the docs page renders HTML only, and describing itself had no template (a 500).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", metadata_class=None), name="api-docs"),
]
