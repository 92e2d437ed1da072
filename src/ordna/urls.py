from django.urls import include, path

from ordna.api import api

handler500 = "ordna.core.views.server_error"

urlpatterns = [
    path("", include("ordna.core.urls")),
    path("people/", include("ordna.people.urls")),
    path("applications/", include("ordna.applications.urls")),
    path("devices/", include("ordna.devices.urls")),
    path("accounts/", include("ordna.accounts.urls")),
    path("cases/", include("ordna.lifecycle.urls")),
    path("connectors/", include("ordna.connectors.urls")),
    path("", include("ordna.support.urls")),
    path("reports/", include("ordna.reports.urls")),
    path("notifications/", include("ordna.notifications.urls")),
    path("", include("ordna.suppliers.urls")),
    path("releases/", include("ordna.releases.urls")),
    path("api/", api.urls),
]
