from django.urls import path

from ordna.lifecycle.views import bulk, cases, links, people, templates

app_name = "lifecycle"
urlpatterns = [
    path("", cases.case_board, name="board"),
    path("mine/", cases.my_tasks, name="my_tasks"),
    path("export/", cases.cases_export, name="export"),
    path("check-in/", cases.device_check_in, name="check_in"),
    path("templates/", templates.template_list, name="templates"),
    path("templates/<int:pk>/", templates.template_detail, name="template_detail"),
    path("templates/<int:pk>/tasks/", templates.template_task_add, name="template_task_add"),
    path("templates/<int:pk>/tasks/<int:task_pk>/delete/", templates.template_task_delete, name="template_task_delete"),
    path("templates/<int:pk>/birthright/", templates.birthright_add, name="birthright_add"),
    path("templates/<int:pk>/birthright/<int:item_pk>/delete/", templates.birthright_delete, name="birthright_delete"),
    path("access/<str:employee_id>/", people.person_access, name="person_access"),
    path("exit-survey/", people.exit_survey_report, name="exit_survey_report"),
    path("survey/<str:token>/", people.exit_survey_page, name="exit_survey"),
    path("survey/<str:token>/withdraw/", people.alumni_withdraw, name="alumni_withdraw"),
    path("<int:pk>/exit-survey/", people.exit_survey_invite, name="exit_survey_invite"),
    path("lines/bulk/", bulk.lines_bulk, name="lines_bulk"),
    path("lines/<int:pk>/close/", cases.line_close, name="line_close"),
    path("act/<str:token>/", links.line_by_link, name="line_by_link"),
    path("service-desk/<str:token>/", links.service_desk_by_link, name="service_desk_by_link"),
    path("requests/<int:pk>/approve/", cases.closing_request_approve, name="request_approve"),
    path("requests/<int:pk>/reject/", cases.closing_request_reject, name="request_reject"),
    path("requests/<int:pk>/withdraw/", cases.closing_request_withdraw, name="request_withdraw"),
    path("lines/<int:pk>/evidence/", cases.line_evidence, name="line_evidence"),
    path("<int:pk>/", cases.case_detail, name="detail"),
    path("<int:pk>/certificate/", cases.case_certificate, name="certificate"),
]
