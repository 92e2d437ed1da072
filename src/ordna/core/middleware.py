"""Middleware: the user's language, and polite answers when a request is too large or the database too busy."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ordna.core.busy import RequestLockWait, is_lock_timeout

log = logging.getLogger(__name__)
_MIB = 1024 * 1024


class UserLanguageMiddleware:
    """Signed-in users see Ordna in the language they chose; others get their browser's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.locale:
            translation.activate(user.locale)
            request.LANGUAGE_CODE = user.locale
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or "en")
        return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _answer(request: HttpRequest, *, status: int, title: str, sentence: str) -> HttpResponse:
    """A short answer: JSON `{"detail": ...}` for the API, a page in the user's language for the web. The page
    needs no database and no session, as the moment it is shown may be one where neither can be had."""
    if _is_api(request):
        response: HttpResponse = JsonResponse({"detail": sentence}, status=status)
    else:
        context = {"title": title, "sentence": sentence, "language": translation.get_language() or "en"}
        response = HttpResponse(render_to_string("core/answer.html", context), status=status)
    response.headers["Content-Language"] = translation.get_language() or "en"
    return response


def database_busy_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the write could not get the database's lock within ORDNA_DB_LOCK_TIMEOUT_SECONDS."""
    seconds = int(settings.ORDNA_DB_LOCK_TIMEOUT_SECONDS)
    log.warning("%s %s: the database stayed locked for %s s; answered 503", request.method, request.path, seconds)
    response = _answer(
        request,
        status=503,
        title=_("Ordna is busy"),
        sentence=_(
            "Another change, such as a large import, is being saved and yours could not wait longer than "
            "%(seconds)s seconds for it. Nothing was saved. Try again in a minute."
        )
        % {"seconds": seconds},
    )
    response.headers["Retry-After"] = str(seconds)
    return response


class DatabaseBusyMiddleware:
    """A request waits at most ORDNA_DB_LOCK_TIMEOUT_SECONDS for a database lock held by another writer (an
    import), then answers 503 with Retry-After and a sentence instead of a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with RequestLockWait():
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return database_busy_response(request) if is_lock_timeout(exception) else None


class RequestSizeMiddleware:
    """A request larger than Ordna accepts answers 413 with a sentence before its body is read.

    Uploads may be as large as settings.REQUEST_BODY_MAX_BYTES (the largest file plus the form around it);
    other bodies (JSON, forms) as DATA_UPLOAD_MAX_MEMORY_SIZE. `ordna serve` also gives waitress the upload
    limit, so it refuses a larger body (one without a Content-Length too) before reading it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if request.content_type == "multipart/form-data":
            if length <= settings.REQUEST_BODY_MAX_BYTES:
                return self.get_response(request)
            files_mb = (settings.REQUEST_BODY_MAX_BYTES - _MIB) // _MIB
            sentence = _("The upload is larger than Ordna accepts: files of up to %(limit)s MB. Nothing was saved.")
            sentence %= {"limit": files_mb}
        else:
            if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return self.get_response(request)
            sentence = _("The request is larger than Ordna accepts (%(limit)s MB). Nothing was saved.") % {
                "limit": math.ceil(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / _MIB)
            }
        return _answer(request, status=413, title=_("Too large"), sentence=sentence)


class PermissionsPolicyMiddleware:
    """Every answer turns off the browser features no page of Ordna uses (camera, microphone, geolocation, ...)
    with a Permissions-Policy header (settings.ORDNA_PERMISSIONS_POLICY)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.ORDNA_PERMISSIONS_POLICY)
        return response
