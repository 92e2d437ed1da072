from django.urls import path

from ordna.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_add, name="add"),
    # "<slug:slug>/" (applications:detail), the application page, is ordna.home's: see ordna/urls.py.
    path("<slug:slug>/edit/", views.application_edit, name="edit"),
    path("<slug:slug>/licences/", views.license_save, name="license_save"),
    path("<slug:slug>/appointments/add/", views.appointment_add, name="appointment_add"),
    path("<slug:slug>/appointments/<int:pk>/", views.appointment_edit, name="appointment_edit"),
]
