from django.urls import path

from ordna.lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("", views.case_board, name="board"),
    path("mine/", views.my_tasks, name="my_tasks"),
    path("export/", views.cases_export, name="export"),
    path("check-in/", views.device_check_in, name="check_in"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/tasks/", views.template_task_add, name="template_task_add"),
    path("templates/<int:pk>/tasks/<int:task_pk>/delete/", views.template_task_delete, name="template_task_delete"),
    path("templates/<int:pk>/birthright/", views.birthright_add, name="birthright_add"),
    path("templates/<int:pk>/birthright/<int:item_pk>/delete/", views.birthright_delete, name="birthright_delete"),
    path("access/<str:employee_id>/", views.person_access, name="person_access"),
    path("exit-survey/", views.exit_survey_report, name="exit_survey_report"),
    path("survey/<str:token>/", views.exit_survey_page, name="exit_survey"),
    path("survey/<str:token>/withdraw/", views.alumni_withdraw, name="alumni_withdraw"),
    path("<int:pk>/exit-survey/", views.exit_survey_invite, name="exit_survey_invite"),
    path("lines/<int:pk>/close/", views.line_close, name="line_close"),
    path("act/<str:token>/", views.line_by_link, name="line_by_link"),
    path("service-desk/<str:token>/", views.service_desk_by_link, name="service_desk_by_link"),
    path("requests/<int:pk>/approve/", views.closing_request_approve, name="request_approve"),
    path("requests/<int:pk>/reject/", views.closing_request_reject, name="request_reject"),
    path("requests/<int:pk>/withdraw/", views.closing_request_withdraw, name="request_withdraw"),
    path("lines/<int:pk>/evidence/", views.line_evidence, name="line_evidence"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/certificate/", views.case_certificate, name="certificate"),
]
