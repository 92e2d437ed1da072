from django.urls import path

from ordna.feeds import views

app_name = "feeds"
urlpatterns = [
    path("", views.health, name="health"),
    path("new/", views.feed_edit, name="new"),
    path("<slug:name>/", views.feed_detail, name="detail"),
    path("<slug:name>/edit/", views.feed_edit, name="edit"),
    path("<slug:name>/run/", views.feed_run, name="run"),
    path("<slug:name>/confirm/", views.feed_confirm, name="confirm"),
]
