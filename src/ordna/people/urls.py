from django.urls import path

from ordna.people import views

app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("export/", views.people_export, name="export"),
    path("import/", views.people_import_upload, name="import"),
    path("import/confirm/", views.people_import_confirm, name="import_confirm"),
    # "<str:employee_id>/" (people:detail), the person page, is ordna.home's: see ordna/urls.py.
]
