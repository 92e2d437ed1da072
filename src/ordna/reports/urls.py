from django.urls import path

from ordna.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("monthly/", views.monthly, name="monthly"),
    path("licenses/", views.licenses, name="licenses"),
    path("evidence/", views.evidence, name="evidence"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("group/", views.group, name="group"),
    path("processing-record/", views.processing_record, name="processing_record"),
]
