from django.urls import path

from ordna.accounts import views

app_name = "accounts"
urlpatterns = [
    path("import/", views.accounts_import_upload, name="import"),
    path("import/mapping/", views.accounts_import_mapping, name="import_mapping"),
    path("import/confirm/", views.accounts_import_confirm, name="import_confirm"),
    path("prices/", views.price_list, name="price_list"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/accept/", views.finding_accept, name="finding_accept"),
    path("review/", views.review, name="review"),
    path("review/<int:pk>/", views.review_decide, name="review_decide"),
]
