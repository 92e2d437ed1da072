from django.urls import path

from ordna.suppliers import views

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
