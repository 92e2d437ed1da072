from django.urls import path

from ordna.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("<slug:slug>/", views.application_detail, name="detail"),
    path("<slug:slug>/edit/", views.application_edit, name="edit"),
    path("<slug:slug>/appointments/add/", views.appointment_add, name="appointment_add"),
    path("<slug:slug>/appointments/<int:pk>/", views.appointment_edit, name="appointment_edit"),
]
