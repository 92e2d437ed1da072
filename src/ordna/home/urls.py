from django.urls import path

from ordna.home import views

app_name = "home"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_add, name="user_add"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
]
