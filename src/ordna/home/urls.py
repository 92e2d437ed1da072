from django.urls import URLPattern, path

from ordna.home import privacy_views, views

app_name = "home"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("leaver-template/", views.leaver_template_default, name="leaver_template_default"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_add, name="user_add"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/sign-out-everywhere/", views.user_sign_out_everywhere, name="user_sign_out_everywhere"),
    path("users/<int:pk>/second-factor/remove/", views.user_second_factor_remove, name="user_second_factor_remove"),
    path("users/addresses/unlock/", views.address_unlock, name="address_unlock"),
    path("users/<int:pk>/tokens/", views.user_token_create, name="user_token_create"),
    path("users/<int:pk>/tokens/<int:token_id>/revoke/", views.user_token_revoke, name="user_token_revoke"),
    path("privacy/", privacy_views.privacy, name="privacy"),
    path("privacy/requests/<int:pk>/", privacy_views.erasure_decide, name="erasure_decide"),
    path("login/oidc/", views.oidc_start, name="oidc_start"),
    path("login/oidc/callback/", views.oidc_callback, name="oidc_callback"),
]

# The person and application pages compose several apps but keep their URLs and names: ordna/urls.py adds these
# to the people and applications namespaces, after those apps' own patterns (so /people/import/ stays the import).
person_patterns: list[URLPattern] = [
    path("<str:employee_id>/", views.person_detail, name="detail"),
    path("<str:employee_id>/end-date/", views.person_end_date, name="end_date"),
    path("<str:employee_id>/personal-data/", privacy_views.person_data_download, name="personal_data"),
    path("<str:employee_id>/hold/", privacy_views.person_hold, name="hold"),
    path("<str:employee_id>/erase/", privacy_views.person_erase, name="erase"),
]
application_patterns: list[URLPattern] = [path("<slug:slug>/", views.application_detail, name="detail")]
