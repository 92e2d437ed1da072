from django.urls import include, path

from ordna.api import api
from ordna.applications import urls as applications_urls
from ordna.home import urls as home_urls
from ordna.people import urls as people_urls

# The person and application pages compose several apps, so they live in ordna.home; they keep their places and
# names in the people and applications namespaces, after those apps' own patterns.
people = include((people_urls.urlpatterns + home_urls.person_patterns, people_urls.app_name))
applications = include((applications_urls.urlpatterns + home_urls.application_patterns, applications_urls.app_name))

handler500 = "ordna.core.views.server_error"

urlpatterns = [
    path("", include("ordna.core.urls")),
    path("", include("ordna.home.urls")),
    path("people/", people),
    path("applications/", applications),
    path("devices/", include("ordna.devices.urls")),
    path("accounts/", include("ordna.accounts.urls")),
    path("cases/", include("ordna.lifecycle.urls")),
    path("connectors/", include("ordna.connectors.urls")),
    path("feeds/", include("ordna.feeds.urls")),
    path("", include("ordna.support.urls")),
    path("reports/", include("ordna.reports.urls")),
    path("notifications/", include("ordna.notifications.urls")),
    path("", include("ordna.suppliers.urls")),
    path("releases/", include("ordna.releases.urls")),
    path("", include("ordna.reviews.urls")),
    path("api/", api.urls),
]
