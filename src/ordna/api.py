"""The REST API under /api/v1/ (OpenAPI document and docs at /api/docs)."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.operation import Operation

from ordna.accounts.api import router as accounts_router
from ordna.applications.api import router as applications_router
from ordna.connectors.api import router as connectors_router
from ordna.core.api import Refused
from ordna.core.api import router as core_router
from ordna.core.errors import ServiceError
from ordna.devices.api import router as devices_router
from ordna.feeds.api import router as feeds_router
from ordna.lifecycle.api import router as lifecycle_router
from ordna.notifications.api import router as notifications_router
from ordna.people.api import router as people_router
from ordna.releases.api import router as releases_router
from ordna.reports.api import router as reports_router
from ordna.reviews.api import router as reviews_router
from ordna.suppliers.api import router as suppliers_router
from ordna.support.api import router as support_router


class OrdnaAPI(NinjaAPI):
    """Operation ids name the app and the handler, not the module that holds it (ordna_<app>_api_<handler>), so
    that moving a handler between modules of an app, or an app's handlers into a package, does not change what
    generated clients call. The reviews' operations keep the ids they had under suppliers, where they began."""

    FORMER_APP = {"reviews": "suppliers"}

    def get_openapi_operation_id(self, operation: Operation) -> str:
        app = operation.view_func.__module__.split(".")[1]
        return f"ordna_{self.FORMER_APP.get(app, app)}_api_{operation.view_func.__name__}"


api = OrdnaAPI(
    title="Ordna API",
    version="1",
    description="Every list the web shows, with token authentication: `Authorization: Bearer <token>` "
    "(make one with `ordna token create USERNAME`). Objects outside the token user's scope answer 404.",
    urls_namespace="api",
    docs_url="/docs",
)
for router in (
    core_router,
    people_router,
    applications_router,
    accounts_router,
    devices_router,
    suppliers_router,
    lifecycle_router,
    support_router,
    reports_router,
    notifications_router,
    connectors_router,
    feeds_router,
    releases_router,
    reviews_router,
):
    api.add_router("/v1/", router)


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc.error), "field": exc.error.field}, status=exc.status)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """A service's refusal that an endpoint did not turn into an answer itself: invalid input, 422."""
    return api.create_response(request, {"detail": str(exc), "field": exc.field}, status=422)
