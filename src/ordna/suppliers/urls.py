from django.urls import path

from ordna.suppliers import processing_views, views

app_name = "suppliers"
urlpatterns = [
    path("suppliers/", views.supplier_list, name="list"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/add/", views.contract_add, name="contract_add"),
    path("contracts/export/", views.contracts_export, name="contracts_export"),
    path("contracts/import/", views.contracts_import, name="contracts_import"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/decision/", views.contract_decide, name="contract_decide"),
    path("contracts/<int:pk>/documents/", views.contract_document_add, name="contract_document_add"),
    path("contracts/<int:pk>/documents/<int:document_pk>/", views.contract_document, name="contract_document"),
    path("contracts/<int:pk>/service-levels/", views.service_level_set, name="service_level_set"),
]
# The processors' pages (docs/processors.md).
urlpatterns += [
    path("processors/", processing_views.agreement_list, name="agreements"),
    path("processors/add/", processing_views.agreement_add, name="agreement_add"),
    path("processors/import/", processing_views.agreements_import, name="agreements_import"),
    path("processors/<int:pk>/", processing_views.agreement_detail, name="agreement_detail"),
    path("processors/<int:pk>/edit/", processing_views.agreement_add, name="agreement_edit"),
    path("processors/<int:pk>/documents/", processing_views.agreement_document_add, name="agreement_document_add"),
    path(
        "processors/<int:pk>/documents/<int:document_pk>/",
        processing_views.agreement_document,
        name="agreement_document",
    ),
    path("processors/<int:pk>/sub-processors/", processing_views.subprocessor_add, name="agreement_subprocessor_add"),
    path("processors/<int:pk>/transfers/", processing_views.agreement_transfer_add, name="agreement_transfer_add"),
    path("processors/<int:pk>/oversight/", processing_views.agreement_oversight_add, name="agreement_oversight_add"),
    path("sub-processors/<int:pk>/decision/", processing_views.subprocessor_decide, name="subprocessor_decide"),
    path("processing/<slug:slug>/", processing_views.processing_activity_edit, name="processing_activity_edit"),
]
