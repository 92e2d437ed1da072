from django.urls import path

from ordna.suppliers import views

app_name = "suppliers"
urlpatterns = [
    path("suppliers/", views.supplier_list, name="list"),
    path("suppliers/<int:pk>/", views.supplier_detail, name="detail"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/add/", views.contract_add, name="contract_add"),
    path("contracts/export/", views.contracts_export, name="contracts_export"),
    path("contracts/import/", views.contracts_import, name="contracts_import"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/decision/", views.contract_decide, name="contract_decide"),
    path("contracts/<int:pk>/documents/", views.contract_document_add, name="contract_document_add"),
    path("contracts/<int:pk>/documents/<int:document_pk>/", views.contract_document, name="contract_document"),
    path("contracts/<int:pk>/service-levels/", views.service_level_set, name="service_level_set"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/add/", views.review_add, name="review_add"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review_edit"),
    path("reviews/<int:pk>/agenda.pdf", views.review_pdf_view, name="review_pdf"),
    path("reviews/<int:pk>/invitation.ics", views.review_ics_view, name="review_ics"),
    path("reviews/<int:pk>/actions/", views.action_add, name="action_add"),
    path("actions/<int:pk>/close/", views.action_close, name="action_close"),
]
