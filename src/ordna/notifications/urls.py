from django.urls import path

from ordna.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.digest_log, name="log"),
    path("run/", views.reminders_run, name="run"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/new/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:secret>.ics", views.calendar_feed, name="feed"),
    path("<int:pk>/", views.digest_detail, name="detail"),
]
