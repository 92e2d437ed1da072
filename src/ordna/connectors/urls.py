from django.urls import path

from ordna.connectors import views

app_name = "connectors"
urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.action_decide, name="action_decide"),
    path("<slug:slug>/", views.connector_edit, name="edit"),
    path("<slug:slug>/test/", views.connector_test, name="test"),
    path("<slug:slug>/sync/", views.connector_sync, name="sync"),
    path("<slug:slug>/deprovision/", views.deprovision, name="deprovision"),
]
