from django.urls import path

from ordna.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.language_view, name="language"),
    path("audit/", views.audit, name="audit"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("companies/", views.companies, name="companies"),
    path("companies/<slug:code>/", views.company_edit, name="company_edit"),
]
