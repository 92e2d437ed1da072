from __future__ import annotations

from django.db.models import QuerySet

from ordna.applications.models import Application
from ordna.applications.scopes import applications_scope
from ordna.core.api import Refused
from ordna.core.errors import no_application
from ordna.core.models import User


def application_of(user: User, slug: str, *, scoped: bool = False) -> Application:
    """Questions and wishes may concern any application; handling ones only those in scope."""
    apps: QuerySet[Application] = applications_scope(user) if scoped else Application.objects.all()
    app = apps.filter(slug=slug).first()
    if app is None:
        raise Refused(no_application("application", slug))
    return app
