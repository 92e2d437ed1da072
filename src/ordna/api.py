"""The REST API under /api/v1/ (OpenAPI document and docs at /api/docs)."""

from typing import Any

from django.db import DataError, IntegrityError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation

from ordna.accounts.api import router as accounts_router
from ordna.applications.api import router as applications_router
from ordna.connectors.api import router as connectors_router
from ordna.core.api import ErrorOut, Refused, ValidationErrorOut, broken_rule_answer, validation_answer
from ordna.core.api import router as core_router
from ordna.core.errors import ServiceError
from ordna.devices.api import router as devices_router
from ordna.feeds.api import router as feeds_router
from ordna.home.api import router as home_router
from ordna.home.work_api import router as work_router
from ordna.lifecycle.api import router as lifecycle_router
from ordna.notifications.api import router as notifications_router
from ordna.people.api import router as people_router
from ordna.releases.api import router as releases_router
from ordna.reports.api import router as reports_router
from ordna.reviews.api import router as reviews_router
from ordna.suppliers.api import router as suppliers_router
from ordna.suppliers.processing_api import router as processors_router
from ordna.support.api import router as support_router

# The answers any operation can give besides its own, all {"detail", "field"} (ErrorOut): no or a wrong token,
# an operation or object outside the token user's scope, invalid input, a database too busy to write to.
COMMON_ERRORS = {
    401: "No token, or a token that is not valid",
    404: "Not found, or outside the token user's scope",
    422: "Invalid input: detail says what is wrong, field names the input",
    503: "The database is busy (a large import): try again after Retry-After seconds; nothing was saved",
}
# And those of an operation that takes a body: JSON that does not parse, a body larger than Ordna accepts.
BODY_ERRORS = {
    400: "The body cannot be read (not JSON, or not the form it should be)",
    413: "The request is larger than Ordna accepts; nothing was saved",
}


class OrdnaOpenAPISchema(OpenAPISchema):
    """The OpenAPI document, telling the truth about errors: every operation lists the errors it can answer with
    their schema, and two different schemas never share a component name (one would be documented with the
    other's fields)."""

    def responses(self, operation: Operation) -> dict[int, dict[str, Any]]:
        result = super().responses(operation)
        error = self._component(ErrorOut)
        invalid = self._component(ValidationErrorOut)
        takes_body = any(m.__ninja_param_source__ in ("body", "form", "file") for m in operation.models)
        for status, description in {**COMMON_ERRORS, **(BODY_ERRORS if takes_body else {})}.items():
            if status == 401 and not operation.auth_callbacks:
                continue
            schema = invalid if status == 422 else error
            if status not in result:
                result[status] = {"description": description, "content": {"application/json": {"schema": schema}}}
                continue
            # An operation's own answer with this status (an import's rows in error, a connector's option), or
            # the common one before the handler ran (a body that does not parse, invalid input).
            content = result[status].setdefault("content", {"application/json": {"schema": schema}})
            declared = content["application/json"]["schema"]
            if declared != schema and not (status == 422 and declared == error):
                content["application/json"]["schema"] = {"anyOf": [declared, schema]}
            elif status == 422:
                content["application/json"]["schema"] = invalid
        return result

    def _component(self, model: type[ErrorOut]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode="serialization")
        self.add_schema_definitions({model.__name__: schema, **schema.pop("$defs", {})})
        return {"$ref": REF_TEMPLATE.format(model=model.__name__)}

    def add_schema_definitions(self, definitions: dict[str, Any]) -> None:
        for name, schema in definitions.items():
            if name in self.schemas and self.schemas[name] != schema:
                raise ValueError(f"two API schemas are named {name}: give one of them another name")
        super().add_schema_definitions(definitions)


class OrdnaAPI(NinjaAPI):
    """Operation ids name the app and the handler, not the module that holds it (ordna_<app>_api_<handler>), so
    that moving a handler between modules of an app, or an app's handlers into a package, does not change what
    generated clients call. The reviews' operations keep the ids they had under suppliers, where they began."""

    FORMER_APP = {"reviews": "suppliers"}

    def get_openapi_operation_id(self, operation: Operation) -> str:
        app = operation.view_func.__module__.split(".")[1]
        return f"ordna_{self.FORMER_APP.get(app, app)}_api_{operation.view_func.__name__}"

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return OrdnaOpenAPISchema(self, path_prefix)


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
    home_router,
    applications_router,
    accounts_router,
    devices_router,
    suppliers_router,
    processors_router,
    lifecycle_router,
    support_router,
    reports_router,
    notifications_router,
    connectors_router,
    feeds_router,
    releases_router,
    reviews_router,
    work_router,
):
    api.add_router("/v1/", router)


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc.error), "field": exc.error.field}, status=exc.status)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """A service's refusal that an endpoint did not turn into an answer itself: invalid input, 422."""
    return api.create_response(request, {"detail": str(exc), "field": exc.field}, status=422)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Input that does not fit the operation's schema: 422 in the shape of a refusal, {detail, field}, with
    every problem found under `errors`."""
    return api.create_response(request, validation_answer(exc.errors), status=422)


@api.exception_handler(IntegrityError)
@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def broken_rule(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A value the database refused where no schema or service did (a number too large for its column, a
    null where one is required): 422, never 500. The service's transaction was rolled back."""
    return api.create_response(request, broken_rule_answer(exc), status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals (a body that is not JSON), in the user's language where Ordna knows them."""
    detail = str(exc)
    if exc.status_code == 400 and detail == "Cannot parse request body":
        detail = _("The body cannot be read: send JSON with Content-Type: application/json.")
    return api.create_response(request, {"detail": detail, "field": ""}, status=exc.status_code)
