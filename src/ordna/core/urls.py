from django.urls import path

from ordna.core import account_views, views

app_name = "core"
urlpatterns = [
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
    path("account/", account_views.account, name="account"),
    path("account/second-factor/", account_views.second_factor_setup, name="second_factor"),
    path("account/second-factor/remove/", account_views.second_factor_remove, name="second_factor_remove"),
    path("account/recovery-codes/", account_views.recovery_codes_renew, name="recovery_codes"),
    path("account/sign-out-everywhere/", account_views.sign_out_everywhere, name="sign_out_everywhere"),
    path("language/", views.language_view, name="language"),
    path("audit/", views.audit, name="audit"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("companies/", views.companies, name="companies"),
    path("companies/<slug:code>/", views.company_edit, name="company_edit"),
]
