from django.urls import path

from ordna.releases import views

app_name = "releases"
urlpatterns = [
    path("", views.release_list, name="list"),
    path("add/", views.release_add, name="add"),
    path("<int:pk>/", views.release_detail, name="detail"),
    path("<int:pk>/configure/", views.release_configure, name="configure"),
    path("<int:pk>/tests/", views.release_test_add, name="test_add"),
    path("tests/<int:test_pk>/assignee/", views.release_test_reassign, name="test_reassign"),
    path("tests/<int:test_pk>/result/", views.release_test_result, name="test_result"),
    path("<int:pk>/approve/", views.release_approve, name="approve"),
    path("<int:pk>/live/", views.release_live, name="live"),
    path("<int:pk>/announce/", views.release_announce, name="announce"),
]
