from django.urls import path

from ordna.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("<slug:slug>/", views.application_detail, name="detail"),
]
