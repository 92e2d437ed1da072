from django.urls import path

from ordna.support import views
from ordna.support.forms import HANDLE_ACTIONS

app_name = "support"
urlpatterns = [
    path("questions/", views.question_list, name="questions"),
    path("questions/ask/", views.question_ask, name="question_ask"),
    path("questions/<int:pk>/", views.question_detail, name="question_detail"),
    # The key user's actions, one form and address each (support.forms.HANDLE_ACTIONS).
    *(
        path(
            f"questions/<int:pk>/{action.replace('_', '-')}/",
            views.question_handle,
            {"action": action},
            name=f"question_{action}",
        )
        for action in HANDLE_ACTIONS
    ),
    path("questions/<int:pk>/effort/", views.question_effort, name="question_effort"),
    path("questions/<int:pk>/reply/", views.question_reply, name="question_reply"),
    path("questions/<int:pk>/supplier-answer/", views.question_supplier_answer, name="question_supplier_answer"),
    path("questions/<int:pk>/attachment/", views.question_attachment, name="question_attachment"),
    path("knowledge/", views.knowledge, name="knowledge"),
    path("workload/", views.workload, name="workload"),
    path("insight/", views.insight, name="insight"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/add/", views.survey_add, name="survey_add"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/answer/", views.survey_answer, name="survey_answer"),
    path("wishes/", views.wish_list, name="wishes"),
    path("wishes/add/", views.wish_add, name="wish_add"),
    path("wishes/<int:pk>/", views.wish_detail, name="wish_detail"),
    path("wishes/<int:pk>/vote/", views.wish_vote, name="wish_vote"),
    path("wishes/<int:pk>/triage/", views.wish_triage, name="wish_triage"),
]
