"""Every URL pattern and every API operation, asked by every role, gives the expected answer.

The tables below are the specification: a new page or endpoint that is not listed fails this test, so
nothing can be left open by accident. Allowed roles get a real answer; everyone else gets 404 (never 403,
which would reveal that the object exists); anonymous visitors are sent to sign in (web) or get 401 (API).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ordna.api import api
from ordna.core.access import CAPABILITIES
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.core.tests.access_world import PATH_VALUES, access_world

pytestmark = pytest.mark.django_db

ALL = {"admin", "coordinator", "hr", "manager", "key_user", "supplier", "employee", "auditor"}
# The calendar feed answers through its secret; the exit survey's personal pages and the reminders' action
# links through a signed link, without an account (issues 11 and 17); sign-in with the identity provider
# before there is a user.
PUBLIC = {
    "lifecycle:line_by_link",
    "lifecycle:service_desk_by_link",
    "home:oidc_start",
    "home:oidc_callback",
    "core:login",
    "core:login_code",  # the second step of a sign-in: without a first step, back to the first
    "core:logout",
    "core:language",
    "core:health",
    "core:ready",
    "notifications:feed",
    "lifecycle:exit_survey",
    "lifecycle:alumni_withdraw",
}
# Pages that end the session they are asked in; the table's walk signs in again after them.
SIGNS_OUT = {"core:sign_out_everywhere"}
ASKERS = {"admin", "coordinator", "hr", "manager", "key_user", "employee"}
Q_READERS = {"admin", "coordinator", "auditor", "key_user", "supplier", "employee"}
SUPPLIER_READERS = {"admin", "coordinator", "auditor", "supplier"}

# url name -> (kwargs, method, roles that get a real answer, the answer they get)
WEB: dict[str, tuple[dict[str, Any], str, set[str], int | tuple[int, ...]]] = {
    "home:dashboard": ({}, "get", ALL, 200),
    "home:users": ({}, "get", {"admin", "coordinator"}, 200),
    # The checklist's button: adds the default leaver template, or says one exists; either way back to a page.
    "home:leaver_template_default": ({}, "post", {"admin", "coordinator", "hr"}, 302),
    "home:user_add": ({}, "get", {"admin", "coordinator"}, 200),
    "home:user_edit": ({"pk": "ADMIN_PK"}, "get", {"admin", "coordinator"}, 200),
    "home:user_unlock": ({"pk": "HR_PK"}, "post", {"admin", "coordinator"}, 302),
    "home:user_token_create": ({"pk": "HR_PK"}, "post", {"admin", "coordinator"}, 200),
    "home:user_token_revoke": ({"pk": "HR_PK", "token_id": "TOKEN"}, "post", {"admin", "coordinator"}, 302),
    "home:user_sign_out_everywhere": ({"pk": "HR_PK"}, "post", {"admin", "coordinator"}, 302),
    "home:user_second_factor_remove": ({"pk": "HR_PK"}, "post", {"admin", "coordinator"}, 302),
    "home:address_unlock": ({}, "post", {"admin", "coordinator"}, 302),
    # One's own account: every signed-in user (a user without a password of their own is sent back to it).
    "core:account": ({}, "get", ALL, 200),
    "core:second_factor": ({}, "get", ALL, (200, 302)),
    "core:second_factor_remove": ({}, "post", ALL, 302),
    "core:recovery_codes": ({}, "post", ALL, 302),
    "core:sign_out_everywhere": ({}, "post", ALL, 302),
    "core:audit": ({}, "get", {"admin", "coordinator", "auditor"}, 200),
    "core:imports": ({}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "core:import_detail": ({"pk": "RUN"}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "core:companies": ({}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "core:company_edit": ({"code": "group"}, "get", {"admin", "coordinator"}, 200),
    "people:list": ({}, "get", {"admin", "coordinator", "hr", "manager", "auditor"}, 200),
    "people:export": ({}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "people:import": ({}, "get", {"admin", "coordinator", "hr"}, 200),
    "people:import_confirm": ({}, "post", {"admin", "coordinator", "hr"}, 302),
    # An empty form is refused with the reason on the person page (422).
    "people:end_date": ({"employee_id": "E2"}, "post", {"admin", "coordinator", "hr"}, 422),
    # A person's data on request, legal holds and erasure requests: administrators only (docs/privacy.md). An
    # empty reason is refused and sends the admin back to the person page.
    "people:personal_data": ({"employee_id": "E2"}, "get", {"admin"}, 200),
    "people:hold": ({"employee_id": "E2"}, "post", {"admin"}, 302),
    "people:erase": ({"employee_id": "E2"}, "post", {"admin"}, 302),
    "home:privacy": ({}, "get", {"admin"}, 200),
    "home:erasure_decide": ({"pk": "ERASURE"}, "post", {"admin"}, 302),
    # E2 reports to the manager's person and is the employee's own person.
    "people:detail": (
        {"employee_id": "E2"},
        "get",
        {"admin", "coordinator", "hr", "auditor", "manager", "employee"},
        200,
    ),
    "applications:list": ({}, "get", ALL - {"employee"}, 200),
    # crm is owned by the key user's person and run by the supplier user's company.
    "applications:detail": (
        {"slug": "crm"},
        "get",
        {"admin", "coordinator", "hr", "auditor", "key_user", "supplier"},
        200,
    ),
    "devices:list": ({}, "get", {"admin", "coordinator", "hr", "manager", "employee", "auditor"}, 200),
    "accounts:import": ({}, "get", {"admin", "coordinator"}, 200),
    "accounts:import_mapping": ({}, "get", {"admin", "coordinator"}, 302),  # nothing pending: back to upload
    "accounts:import_confirm": ({}, "post", {"admin", "coordinator"}, 302),
    "accounts:findings": ({}, "get", {"admin", "coordinator", "hr", "key_user", "auditor"}, 200),
    "accounts:finding_accept": ({"pk": "FINDING"}, "post", {"admin", "coordinator", "key_user"}, 302),
    "accounts:review": ({}, "get", {"admin", "coordinator", "key_user"}, 200),
    "accounts:review_decide": ({"pk": "ACCOUNT"}, "post", {"admin", "coordinator", "key_user"}, 302),
    # E2 leaves: the case has lines for every role (see `world`); LINE is E2's laptop, for the manager.
    "lifecycle:board": ({}, "get", {"admin", "coordinator", "hr", "manager", "auditor"}, 200),
    "lifecycle:detail": ({"pk": "CASE"}, "get", ALL, 200),
    "lifecycle:certificate": ({"pk": "CASE"}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "lifecycle:my_tasks": ({}, "get", ALL - {"auditor"}, 200),
    "lifecycle:export": ({}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "lifecycle:check_in": ({}, "get", {"admin", "coordinator"}, 200),
    # An empty form is refused (422) with the reason on the page; only who may close the line gets that far.
    "lifecycle:line_close": ({"pk": "LINE"}, "post", {"admin", "coordinator", "manager"}, 422),
    # Nothing selected is refused (422) on the page to whoever may close lines at all.
    "lifecycle:lines_bulk": ({}, "post", ALL - {"auditor"}, 422),
    # REQUEST is a withdrawn waiver on LINE: deciding it again answers 409 to whoever may decide it at all.
    "lifecycle:request_approve": ({"pk": "REQUEST"}, "post", {"admin", "coordinator"}, 409),
    "lifecycle:request_reject": ({"pk": "REQUEST"}, "post", {"admin", "coordinator"}, 409),
    "lifecycle:request_withdraw": (
        {"pk": "REQUEST"},
        "post",
        {"admin", "coordinator", "hr", "manager", "employee"},
        409,
    ),
    # EVIDENCE is the attested HR task: seen organisation-wide and by E2's manager.
    "lifecycle:line_evidence": ({"pk": "EVIDENCE"}, "get", {"admin", "coordinator", "hr", "auditor", "manager"}, 200),
    "lifecycle:templates": ({}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "lifecycle:template_detail": ({"pk": "TEMPLATE"}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "lifecycle:template_task_add": ({"pk": "TEMPLATE"}, "post", {"admin", "coordinator", "hr"}, 302),
    "lifecycle:template_task_delete": (
        {"pk": "TEMPLATE", "task_pk": "TASK"},
        "post",
        {"admin", "coordinator", "hr"},
        302,
    ),
    "lifecycle:birthright_add": ({"pk": "TEMPLATE"}, "post", {"admin", "coordinator", "hr"}, 302),
    "lifecycle:birthright_delete": (
        {"pk": "TEMPLATE", "item_pk": "BIRTHRIGHT"},
        "post",
        {"admin", "coordinator", "hr"},
        302,
    ),
    # E1 manages E2: expected versus actual is scoped like the people list.
    "lifecycle:person_access": (
        {"employee_id": "E2"},
        "get",
        {"admin", "coordinator", "hr", "manager", "auditor"},
        200,
    ),
    "lifecycle:exit_survey_report": ({}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "lifecycle:exit_survey_invite": ({"pk": "CASE"}, "post", {"admin", "coordinator", "hr"}, 302),
    "applications:edit": ({"slug": "crm"}, "get", {"admin", "coordinator"}, 200),
    "applications:add": ({}, "get", {"admin", "coordinator"}, 200),
    "accounts:price_list": ({}, "get", {"admin", "coordinator"}, 200),
    "applications:license_save": ({"slug": "crm"}, "get", {"admin", "coordinator"}, 200),
    "applications:appointment_add": ({"slug": "crm"}, "get", {"admin", "coordinator"}, 200),
    "applications:appointment_edit": ({"slug": "crm", "pk": "APPOINTMENT"}, "get", {"admin", "coordinator"}, 200),
    # Q was asked by the employee (E2) about crm, routed to the key user (E3) and escalated to S1.
    "support:questions": ({}, "get", ALL, 200),
    "support:question_ask": ({}, "get", ASKERS, 200),
    "support:question_detail": ({"pk": "QUESTION"}, "get", Q_READERS, 200),
    "support:question_attachment": ({"pk": "QUESTION"}, "get", Q_READERS, 200),
    # The key user's actions, one form each: sent empty, a form with required fields answers 422 with its errors;
    # resolving an escalated question is refused (422); closing works (302); taking needs a user with a person.
    "support:question_take": ({"pk": "QUESTION"}, "post", {"admin", "coordinator", "key_user"}, (302, 422)),
    "support:question_answer": ({"pk": "QUESTION"}, "post", {"admin", "coordinator", "key_user"}, 422),
    "support:question_ask_back": ({"pk": "QUESTION"}, "post", {"admin", "coordinator", "key_user"}, 422),
    "support:question_escalate": ({"pk": "QUESTION"}, "post", {"admin", "coordinator", "key_user"}, 422),
    "support:question_resolve": ({"pk": "QUESTION"}, "post", {"admin", "coordinator", "key_user"}, 422),
    "support:question_close": ({"pk": "QUESTION"}, "post", {"admin", "coordinator", "key_user"}, 302),
    "support:question_publish": ({"pk": "QUESTION"}, "post", {"admin", "coordinator", "key_user"}, 422),
    "support:question_effort": ({"pk": "QUESTION"}, "post", {"admin", "coordinator", "key_user"}, 302),
    "support:question_reply": ({"pk": "QUESTION"}, "post", {"employee"}, 302),
    "support:question_supplier_answer": ({"pk": "QUESTION"}, "post", {"supplier"}, 302),
    "support:knowledge": ({}, "get", ALL, 200),
    "support:workload": ({}, "get", {"admin", "coordinator", "key_user", "auditor"}, 200),
    "support:insight": ({}, "get", {"admin", "coordinator", "key_user", "auditor"}, 200),
    "support:surveys": ({}, "get", ALL - {"supplier"}, 200),
    "support:survey_add": ({}, "get", {"admin", "coordinator"}, 200),
    "support:survey_detail": ({"pk": "SURVEY"}, "get", {"admin", "coordinator", "auditor"}, 200),
    # Everyone in the IT department is invited: the users with a person.
    "support:survey_answer": ({"pk": "SURVEY"}, "get", {"manager", "key_user", "employee"}, 200),
    "support:wishes": ({}, "get", ALL, 200),
    "support:wish_add": ({}, "get", ASKERS, 200),
    "support:wish_detail": ({"pk": "WISH"}, "get", ALL - {"supplier"}, 200),  # suppliers see planned wishes only
    "support:wish_vote": ({"pk": "WISH"}, "post", ASKERS, 302),
    "support:wish_triage": ({"pk": "WISH"}, "post", {"admin", "coordinator", "key_user"}, 302),
    "reports:dashboard": ({}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "reports:monthly": ({}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "reports:licenses": ({}, "get", {"admin", "coordinator", "hr", "auditor"}, 200),
    "reports:evidence": ({}, "get", {"admin", "coordinator", "auditor"}, 200),
    "reports:evidence_download": ({"pk": "EVIDENCE_PACK"}, "get", {"admin", "coordinator", "auditor"}, 200),
    "reports:group": ({}, "get", {"admin", "coordinator", "auditor"}, 200),
    "notifications:log": ({}, "get", ALL, 200),
    # The digest is HR's own: readers of the whole log and its recipient see it.
    "notifications:detail": ({"pk": "DIGEST"}, "get", {"admin", "coordinator", "auditor", "hr"}, 200),
    "notifications:run": ({}, "post", {"admin", "coordinator"}, 302),
    "notifications:calendar": ({}, "get", ALL, 200),
    "notifications:calendar_reset": ({}, "post", ALL, 302),
    # crm has a (SCIM) connector; ACTION disables the svc account and waits for approval.
    "connectors:outbox": ({}, "get", {"admin", "coordinator", "auditor"}, 200),
    "connectors:action_decide": ({"pk": "ACTION"}, "post", {"admin", "coordinator"}, 302),
    "connectors:edit": ({"slug": "crm"}, "get", {"admin", "coordinator"}, 200),
    "connectors:test": ({"slug": "crm"}, "post", {"admin", "coordinator"}, 302),
    "connectors:sync": ({"slug": "crm"}, "post", {"admin", "coordinator"}, 302),
    "connectors:deprovision": ({"slug": "crm"}, "post", {"admin", "coordinator"}, 302),
    # crm-drop is a watch-folder feed of crm's export.
    "feeds:health": ({}, "get", {"admin", "coordinator", "auditor"}, 200),
    "feeds:new": ({}, "get", {"admin", "coordinator"}, 200),
    "feeds:detail": ({"name": "crm-drop"}, "get", {"admin", "coordinator", "auditor"}, 200),
    "feeds:edit": ({"name": "crm-drop"}, "get", {"admin", "coordinator"}, 200),
    "feeds:run": ({"name": "crm-drop"}, "post", {"admin", "coordinator"}, 302),
    "feeds:confirm": ({"name": "crm-drop"}, "post", {"admin", "coordinator"}, 302),
    # S1 has the contract, the review and the supplier's action; the supplier user is S1's.
    "suppliers:list": ({}, "get", SUPPLIER_READERS, 200),
    "suppliers:contracts": ({}, "get", SUPPLIER_READERS, 200),
    "suppliers:contract_add": ({}, "get", {"admin", "coordinator"}, 200),
    "suppliers:contracts_export": ({}, "get", SUPPLIER_READERS, 200),
    "suppliers:contracts_import": ({}, "get", {"admin", "coordinator"}, 200),
    "suppliers:contract_detail": ({"pk": "CONTRACT"}, "get", SUPPLIER_READERS, 200),
    "suppliers:contract_decide": ({"pk": "CONTRACT"}, "post", {"admin", "coordinator"}, 302),
    "suppliers:contract_document_add": ({"pk": "CONTRACT"}, "post", {"admin", "coordinator"}, 302),
    "suppliers:contract_document": ({"pk": "CONTRACT", "document_pk": "DOCUMENT"}, "get", SUPPLIER_READERS, 200),
    "suppliers:service_level_set": ({"pk": "CONTRACT"}, "post", {"admin", "coordinator"}, 302),
    # AGREEMENT is S1's data-processing agreement (crm), SUBPROCESSOR the sub-processor S1 announced under it.
    "suppliers:agreements": ({}, "get", SUPPLIER_READERS, 200),
    "suppliers:agreement_add": ({}, "get", {"admin", "coordinator"}, 200),
    "suppliers:agreements_import": ({}, "get", {"admin", "coordinator"}, 200),
    "suppliers:agreement_detail": ({"pk": "AGREEMENT"}, "get", SUPPLIER_READERS, 200),
    "suppliers:agreement_edit": ({"pk": "AGREEMENT"}, "get", {"admin", "coordinator"}, 200),
    # Without a file: back to the agreement with the reason (the supplier uploads its new versions itself).
    "suppliers:agreement_document_add": ({"pk": "AGREEMENT"}, "post", {"admin", "coordinator", "supplier"}, 302),
    "suppliers:agreement_document": (
        {"pk": "AGREEMENT", "document_pk": "AGREEMENT_DOCUMENT"},
        "get",
        SUPPLIER_READERS,
        200,
    ),
    "suppliers:agreement_subprocessor_add": ({"pk": "AGREEMENT"}, "post", {"admin", "coordinator", "supplier"}, 302),
    "suppliers:agreement_transfer_add": ({"pk": "AGREEMENT"}, "post", {"admin", "coordinator"}, 302),
    "suppliers:agreement_oversight_add": ({"pk": "AGREEMENT"}, "post", {"admin", "coordinator"}, 302),
    "suppliers:subprocessor_decide": ({"pk": "SUBPROCESSOR"}, "post", {"admin", "coordinator"}, 302),
    "suppliers:processing_activity_edit": ({"slug": "crm"}, "get", {"admin", "coordinator"}, 200),
    "reports:processing_record": ({}, "get", {"admin", "coordinator", "auditor"}, 200),
    "reviews:supplier_detail": ({"pk": "S1"}, "get", SUPPLIER_READERS, 200),
    "reviews:list": ({}, "get", SUPPLIER_READERS, 200),
    "reviews:add": ({}, "get", {"admin", "coordinator"}, 200),
    "reviews:detail": ({"pk": "REVIEW"}, "get", SUPPLIER_READERS, 200),
    "reviews:edit": ({"pk": "REVIEW"}, "post", {"admin", "coordinator"}, 302),
    "reviews:pdf": ({"pk": "REVIEW"}, "get", SUPPLIER_READERS, 200),
    "reviews:ics": ({"pk": "REVIEW"}, "get", SUPPLIER_READERS, 200),
    "reviews:action_add": ({"pk": "REVIEW"}, "post", {"admin", "coordinator"}, 302),
    "reviews:action_close": ({"pk": "ACTION_ITEM"}, "post", {"admin", "coordinator", "supplier"}, 302),
    # RELEASE is crm's release, announced; the key user (E3, owner and key user of crm) has a test case in it.
    "releases:list": ({}, "get", ALL, 200),
    "releases:detail": ({"pk": "RELEASE"}, "get", ALL - {"manager"}, 200),
    "releases:add": ({}, "post", {"admin", "coordinator", "key_user"}, 302),
    "releases:configure": ({"pk": "RELEASE"}, "post", {"admin", "coordinator", "key_user"}, 302),
    "releases:test_add": ({"pk": "RELEASE"}, "post", {"admin", "coordinator", "key_user"}, 302),
    "releases:test_result": ({"test_pk": "RELEASE_TEST"}, "post", {"key_user"}, 302),
    "releases:test_reassign": ({"test_pk": "RELEASE_TEST"}, "post", {"admin", "coordinator", "key_user"}, 302),
    "releases:approve": ({"pk": "RELEASE"}, "post", {"key_user"}, 302),
    "releases:live": ({"pk": "RELEASE"}, "post", {"admin", "coordinator", "key_user"}, 302),
    "releases:announce": ({"pk": "RELEASE"}, "post", {"admin", "coordinator", "key_user"}, 302),
}

# (method, path) -> (roles that get a real answer, path parameters)
API: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/me"): ALL,
    ("GET", "/api/v1/me/tokens"): ALL,
    ("GET", "/api/v1/tokens"): {"admin", "coordinator"},
    ("DELETE", "/api/v1/tokens/{token_id}"): {"admin", "coordinator"},
    ("POST", "/api/v1/me/sign-out-everywhere"): ALL,
    ("POST", "/api/v1/users/{username}/sign-out-everywhere"): {"admin", "coordinator"},
    ("GET", "/api/v1/imports"): {"admin", "coordinator", "hr", "auditor"},
    ("GET", "/api/v1/companies"): {"admin", "coordinator", "hr", "auditor"},
    ("POST", "/api/v1/companies"): {"admin", "coordinator"},
    ("PATCH", "/api/v1/companies/{code}"): {"admin", "coordinator"},
    ("GET", "/api/v1/people"): {"admin", "coordinator", "hr", "manager", "auditor"},
    ("GET", "/api/v1/people/{employee_id}"): {"admin", "coordinator", "hr", "auditor", "manager", "employee"},
    ("POST", "/api/v1/imports/people"): {"admin", "coordinator", "hr"},
    ("GET", "/api/v1/applications"): ALL - {"employee"},
    ("GET", "/api/v1/applications/{slug}"): {"admin", "coordinator", "hr", "auditor", "key_user", "supplier"},
    ("POST", "/api/v1/applications"): {"admin", "coordinator"},
    ("PATCH", "/api/v1/applications/{slug}"): {"admin", "coordinator"},
    ("GET", "/api/v1/licenses"): {"admin", "coordinator", "key_user", "auditor"},
    ("PUT", "/api/v1/licenses"): {"admin", "coordinator"},
    ("GET", "/api/v1/accounts"): {"admin", "coordinator", "key_user", "employee", "auditor"},
    ("GET", "/api/v1/devices"): {"admin", "coordinator", "hr", "manager", "employee", "auditor"},
    ("POST", "/api/v1/devices"): {"admin", "coordinator"},
    ("PATCH", "/api/v1/devices/{asset_tag}"): {"admin", "coordinator"},
    ("GET", "/api/v1/findings"): {"admin", "coordinator", "hr", "key_user", "auditor"},
    ("GET", "/api/v1/findings/totals"): {"admin", "coordinator", "hr", "key_user", "auditor"},
    ("POST", "/api/v1/findings/{finding_id}/accept"): {"admin", "coordinator", "key_user"},
    ("GET", "/api/v1/review"): {"admin", "coordinator", "key_user"},
    ("POST", "/api/v1/review/{account_id}"): {"admin", "coordinator", "key_user"},
    ("POST", "/api/v1/imports/accounts/{app}"): {"admin", "coordinator"},
    ("POST", "/api/v1/imports/licenses"): {"admin", "coordinator"},
    ("POST", "/api/v1/reconcile/{app}"): {"admin", "coordinator"},
    ("GET", "/api/v1/suppliers"): {"admin", "coordinator", "auditor"},
    ("POST", "/api/v1/suppliers"): {"admin", "coordinator"},
    ("GET", "/api/v1/cases"): {"admin", "coordinator", "hr", "manager", "auditor"},
    ("GET", "/api/v1/cases/{case_id}"): ALL,
    ("GET", "/api/v1/cases/{case_id}/certificate"): {"admin", "coordinator", "hr", "auditor"},
    ("POST", "/api/v1/cases/open"): {"admin", "coordinator", "hr"},
    ("GET", "/api/v1/lines"): ALL,
    ("GET", "/api/v1/tasks/mine"): ALL - {"auditor"},
    ("POST", "/api/v1/lines/bulk"): ALL - {"auditor"},
    ("POST", "/api/v1/lines/{line_id}/attest"): {"admin", "coordinator", "manager"},
    ("POST", "/api/v1/lines/{line_id}/waive"): {"admin", "coordinator", "manager"},
    ("GET", "/api/v1/closing-requests"): ALL,
    ("POST", "/api/v1/closing-requests/{request_id}/approve"): {"admin", "coordinator"},
    ("POST", "/api/v1/closing-requests/{request_id}/reject"): {"admin", "coordinator"},
    ("POST", "/api/v1/closing-requests/{request_id}/withdraw"): {"admin", "coordinator", "hr", "manager", "employee"},
    ("PUT", "/api/v1/people/{employee_id}/end-date"): {"admin", "coordinator", "hr"},
    ("GET", "/api/v1/people/{employee_id}/personal-data"): {"admin"},
    ("GET", "/api/v1/reports/figures"): {"admin", "coordinator", "hr", "auditor"},
    ("GET", "/api/v1/case-templates"): {"admin", "coordinator", "hr", "auditor"},
    ("POST", "/api/v1/case-templates"): {"admin", "coordinator", "hr"},
    ("PATCH", "/api/v1/case-templates/{template_id}"): {"admin", "coordinator", "hr"},
    ("POST", "/api/v1/case-templates/{template_id}/tasks"): {"admin", "coordinator", "hr"},
    ("DELETE", "/api/v1/case-templates/{template_id}/tasks/{task_id}"): {"admin", "coordinator", "hr"},
    ("POST", "/api/v1/case-templates/{template_id}/birthright"): {"admin", "coordinator", "hr"},
    ("DELETE", "/api/v1/case-templates/{template_id}/birthright/{item_id}"): {"admin", "coordinator", "hr"},
    ("GET", "/api/v1/access/{employee_id}"): {"admin", "coordinator", "hr", "manager", "auditor"},
    ("POST", "/api/v1/cases/{case_id}/exit-survey"): {"admin", "coordinator", "hr"},
    ("GET", "/api/v1/exit-survey/report"): {"admin", "coordinator", "hr", "auditor"},
    ("GET", "/api/v1/alumni"): {"admin", "hr"},
    ("GET", "/api/v1/appointments"): ALL - {"employee"},
    ("POST", "/api/v1/appointments"): {"admin", "coordinator"},
    ("PATCH", "/api/v1/appointments/{appointment_id}"): {"admin", "coordinator"},
    ("GET", "/api/v1/questions"): ALL,
    ("POST", "/api/v1/questions"): ASKERS,
    ("GET", "/api/v1/questions/{question_id}"): Q_READERS,
    ("POST", "/api/v1/questions/{question_id}/attachment"): {"employee"},
    ("POST", "/api/v1/questions/{question_id}/handle"): {"admin", "coordinator", "key_user"},
    ("POST", "/api/v1/questions/{question_id}/reply"): {"employee"},
    ("POST", "/api/v1/questions/{question_id}/supplier-answer"): {"supplier"},
    ("POST", "/api/v1/questions/{question_id}/effort"): {"admin", "coordinator", "key_user"},
    ("GET", "/api/v1/knowledge"): ALL,
    ("GET", "/api/v1/workload"): {"admin", "coordinator", "key_user", "auditor"},
    ("GET", "/api/v1/insight"): {"admin", "coordinator", "key_user", "auditor"},
    ("GET", "/api/v1/surveys"): {"admin", "coordinator", "auditor"},
    ("POST", "/api/v1/surveys"): {"admin", "coordinator"},
    ("GET", "/api/v1/surveys/{survey_id}"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/survey-invitations"): ASKERS,
    ("GET", "/api/v1/surveys/{survey_id}/form"): {"manager", "key_user", "employee"},
    ("PUT", "/api/v1/surveys/{survey_id}/form"): {"manager", "key_user", "employee"},
    ("GET", "/api/v1/wishes"): ALL,
    ("POST", "/api/v1/wishes"): ASKERS,
    ("POST", "/api/v1/wishes/{wish_id}/vote"): ASKERS,
    ("POST", "/api/v1/wishes/{wish_id}/triage"): {"admin", "coordinator", "key_user"},
    ("GET", "/api/v1/reports/monthly"): {"admin", "coordinator", "hr", "auditor"},
    ("GET", "/api/v1/reports/licenses"): {"admin", "coordinator", "hr", "auditor"},
    ("POST", "/api/v1/reports/evidence"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/reports/evidence"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/reports/evidence/{pack_id}"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/reports/evidence/{pack_id}/file"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/reports/group"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/notifications"): ALL,
    ("GET", "/api/v1/notifications/{digest_id}"): {"admin", "coordinator", "auditor", "hr"},
    ("POST", "/api/v1/reminders/run"): {"admin", "coordinator"},
    ("GET", "/api/v1/connectors"): {"admin", "coordinator", "auditor"},
    ("PUT", "/api/v1/connectors/{app}"): {"admin", "coordinator"},
    ("POST", "/api/v1/connectors/{app}/test"): {"admin", "coordinator"},
    ("POST", "/api/v1/connectors/{app}/sync"): {"admin", "coordinator"},
    ("POST", "/api/v1/connectors/{app}/deprovision"): {"admin", "coordinator"},
    ("POST", "/api/v1/lines/{line_id}/deprovision"): {"admin", "coordinator"},
    ("GET", "/api/v1/sources"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/sources/freshness"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/feeds"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/feeds/{name}"): {"admin", "coordinator", "auditor"},
    ("GET", "/api/v1/feeds/{name}/runs"): {"admin", "coordinator", "auditor"},
    ("PUT", "/api/v1/feeds/{name}"): {"admin", "coordinator"},
    ("POST", "/api/v1/feeds/{name}/run"): {"admin", "coordinator"},
    ("POST", "/api/v1/feeds/{name}/confirm"): {"admin", "coordinator"},
    ("GET", "/api/v1/outbox"): {"admin", "coordinator", "auditor"},
    ("POST", "/api/v1/outbox/{action_id}/approve"): {"admin", "coordinator"},
    ("POST", "/api/v1/outbox/{action_id}/cancel"): {"admin", "coordinator"},
    ("POST", "/api/v1/outbox/{action_id}/retry"): {"admin", "coordinator"},
    ("GET", "/api/v1/contracts"): SUPPLIER_READERS,
    ("GET", "/api/v1/contracts/export"): SUPPLIER_READERS,
    ("GET", "/api/v1/contracts/{contract_id}"): SUPPLIER_READERS,
    ("POST", "/api/v1/contracts"): {"admin", "coordinator"},
    ("POST", "/api/v1/contracts/{contract_id}/decision"): {"admin", "coordinator"},
    ("GET", "/api/v1/contracts/{contract_id}/service-levels"): SUPPLIER_READERS,
    ("PUT", "/api/v1/contracts/{contract_id}/service-levels"): {"admin", "coordinator"},
    ("POST", "/api/v1/imports/contracts"): {"admin", "coordinator"},
    ("GET", "/api/v1/processors"): SUPPLIER_READERS,
    ("GET", "/api/v1/processors/gaps"): SUPPLIER_READERS,
    ("GET", "/api/v1/processors/{agreement_id}"): SUPPLIER_READERS,
    ("POST", "/api/v1/processors"): {"admin", "coordinator"},
    ("POST", "/api/v1/processors/{agreement_id}/sub-processors"): {"admin", "coordinator", "supplier"},
    ("POST", "/api/v1/processors/{agreement_id}/transfers"): {"admin", "coordinator"},
    ("POST", "/api/v1/processors/{agreement_id}/oversight"): {"admin", "coordinator"},
    ("POST", "/api/v1/sub-processors/{subprocessor_id}/decision"): {"admin", "coordinator"},
    ("POST", "/api/v1/imports/processors"): {"admin", "coordinator"},
    ("GET", "/api/v1/processing-record"): {"admin", "coordinator", "auditor"},
    ("PUT", "/api/v1/processing-record/{slug}"): {"admin", "coordinator"},
    ("GET", "/api/v1/reviews"): SUPPLIER_READERS,
    ("POST", "/api/v1/reviews"): {"admin", "coordinator"},
    ("GET", "/api/v1/reviews/{review_id}"): SUPPLIER_READERS,
    ("PATCH", "/api/v1/reviews/{review_id}"): {"admin", "coordinator"},
    ("POST", "/api/v1/reviews/{review_id}/actions"): {"admin", "coordinator"},
    ("GET", "/api/v1/actions"): SUPPLIER_READERS,
    ("POST", "/api/v1/actions/{action_item_id}/close"): {"admin", "coordinator", "supplier"},
    ("GET", "/api/v1/releases"): ALL,
    ("GET", "/api/v1/releases/{release_id}"): ALL - {"manager"},
    ("POST", "/api/v1/releases"): {"admin", "coordinator", "key_user"},
    ("POST", "/api/v1/releases/{release_id}/configure"): {"admin", "coordinator", "key_user"},
    ("POST", "/api/v1/releases/{release_id}/tests"): {"admin", "coordinator", "key_user"},
    ("POST", "/api/v1/release-tests/{test_id}/result"): {"key_user"},
    ("POST", "/api/v1/release-tests/{test_id}/assignee"): {"admin", "coordinator", "key_user"},
    ("GET", "/api/v1/work"): ALL,
    ("POST", "/api/v1/releases/{release_id}/approve"): {"key_user"},
    ("POST", "/api/v1/releases/{release_id}/live"): {"admin", "coordinator", "key_user"},
    ("POST", "/api/v1/releases/{release_id}/announce"): {"admin", "coordinator", "key_user"},
}


@pytest.fixture
def world(load_people, make_user, tmp_path, monkeypatch) -> dict[str, Any]:
    return access_world(load_people, make_user, tmp_path, monkeypatch)


def resolve(world: dict[str, Any], value: Any) -> Any:
    if value == "ADMIN_PK":
        return world["users"]["admin"].pk
    if value == "HR_PK":
        return world["users"]["hr"].pk
    return world["values"].get(value, value)


def path_values(world: dict[str, Any]) -> dict[str, Any]:
    values = world["values"]
    return {
        **PATH_VALUES,
        "finding_id": values["FINDING"],
        "account_id": values["ACCOUNT"],
        "case_id": values["CASE"],
        "line_id": values["LINE"],
        "template_id": values["TEMPLATE"],
        "task_id": values["TASK"],
        "item_id": values["BIRTHRIGHT"],
        "appointment_id": values["APPOINTMENT"],
        "question_id": values["QUESTION"],
        "wish_id": values["WISH"],
        "survey_id": values["SURVEY"],
        "digest_id": values["DIGEST"],
        "action_id": values["ACTION"],
        "contract_id": values["CONTRACT"],
        "agreement_id": values["AGREEMENT"],
        "subprocessor_id": values["SUBPROCESSOR"],
        "review_id": values["REVIEW"],
        "action_item_id": values["ACTION_ITEM"],
        "release_id": values["RELEASE"],
        "test_id": values["RELEASE_TEST"],
        "request_id": values["REQUEST"],
        "token_id": values["TOKEN"],
        "pack_id": values["EVIDENCE_PACK"],
    }


def url_names(resolvers: list[Any], namespace: str = "") -> Iterator[str]:
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace == "api":
                continue
            yield from url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def api_operations() -> Iterator[tuple[str, str, Any]]:
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    full = "/api/" + (prefix.strip("/") + "/" + path.lstrip("/")).strip("/")
                    yield method, full.replace("//", "/"), operation


def test_every_web_page_is_in_the_table() -> None:
    names = set(url_names(get_resolver().url_patterns))
    assert names - PUBLIC == set(WEB), "add new pages to WEB with the roles that may see them"


def test_every_api_operation_is_in_the_table_and_names_a_capability() -> None:
    found = {(method, path) for method, path, _ in api_operations()}
    assert found == set(API), "add new operations to API with the roles that may use them"
    for method, path, operation in api_operations():
        checks = [getattr(cb, "capability", None) for cb in operation.auth_callbacks]
        assert len(checks) == 1 and checks[0] in CAPABILITIES, f"{method} {path} has no capability check"


@pytest.mark.parametrize("role", sorted(ALL))
def test_web_answers_per_role(world, role: str) -> None:
    client = Client()
    client.force_login(world["users"][role])
    for name, (kwargs, method, allowed, ok_status) in WEB.items():
        kwargs = {k: resolve(world, v) for k, v in kwargs.items()}
        response = getattr(client, method)(reverse(name, kwargs=kwargs))
        expected = (ok_status if isinstance(ok_status, tuple) else (ok_status,)) if role in allowed else (404,)
        assert response.status_code in expected, f"{role} {method.upper()} {name}: {response.status_code}"
        if name in SIGNS_OUT:
            client.force_login(world["users"][role])


def test_web_sends_anonymous_visitors_to_sign_in(world) -> None:
    client = Client()
    for name, (kwargs, method, _allowed, _ok) in WEB.items():
        kwargs = {k: resolve(world, v) for k, v in kwargs.items()}
        response = getattr(client, method)(reverse(name, kwargs=kwargs))
        assert response.status_code == 302 and "/login/" in response["Location"], name


@pytest.mark.parametrize("role", sorted(ALL))
def test_api_answers_per_role(world, role: str) -> None:
    token = token_create(user=world["users"][role], actor=Actor.system("test"))
    client = Client(headers={"Authorization": f"Bearer {token}"})
    for (method, path), allowed in API.items():
        url = path.format(**path_values(world))
        response = client.generic(method, url, data="{}", content_type="application/json")
        if role in allowed:
            assert response.status_code not in (401, 403, 404), f"{role} {method} {path}: {response.status_code}"
        else:
            assert response.status_code == 404, f"{role} {method} {path}: {response.status_code}"


def test_api_without_a_token_is_401(world) -> None:
    client = Client()
    for method, path in API:
        response = client.generic(method, path.format(**path_values(world)))
        assert response.status_code == 401, f"{method} {path}"


def test_a_revoked_or_wrong_token_is_401(world) -> None:
    from ordna.core.services import user_update

    admin = world["users"]["admin"]
    token = token_create(user=world["users"]["hr"], actor=Actor.system("test"))
    assert Client(headers={"Authorization": "Bearer ordna_wrong"}).get("/api/v1/me").status_code == 401
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me").status_code == 200
    user_update(
        user=world["users"]["hr"], actor=Actor.for_user(admin), roles=["hr"], person_id=None, supplier_id=None,
        email="", is_active=False,
    )  # fmt: skip
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me").status_code == 401


def test_scope_manager_sees_only_their_reporting_line(world) -> None:
    client = Client()
    client.force_login(world["users"]["manager"])
    assert client.get("/people/E3/").status_code == 404
    assert client.get("/people/E0/").status_code == 404
    listed = [p["employee_id"] for p in _api(world, "manager", "/api/v1/people")["items"]]
    assert sorted(listed) == ["E1", "E2"]


def test_scope_supplier_sees_only_its_own_applications(world) -> None:
    assert [a["slug"] for a in _api(world, "supplier", "/api/v1/applications")["items"]] == ["crm"]
    client = Client()
    client.force_login(world["users"]["supplier"])
    assert client.get("/applications/erp/").status_code == 404


def test_a_supplier_sees_only_its_own_processing_agreements(world) -> None:
    # Given S1's supplier user, and S2's agreement for erp beside S1's own,
    client = Client()
    client.force_login(world["users"]["supplier"])
    other = world["values"]["OTHER_AGREEMENT"]
    # then S2's agreement answers 404 on every page and operation, and the lists name S1's only.
    assert client.get(reverse("suppliers:agreement_detail", kwargs={"pk": other})).status_code == 404
    assert client.post(reverse("suppliers:agreement_subprocessor_add", kwargs={"pk": other})).status_code == 404
    assert client.post(reverse("suppliers:agreement_document_add", kwargs={"pk": other})).status_code == 404
    page = client.get(reverse("suppliers:agreements")).content.decode()
    assert "DPA CRM" in page and "DPA ERP" not in page and "Voorbeeld" not in page
    assert [a["title"] for a in _api(world, "supplier", "/api/v1/processors")["items"]] == ["DPA CRM"]
    token = token_create(user=world["users"]["supplier"], actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get(f"/api/v1/processors/{other}").status_code == 404
    announce = api.post(
        f"/api/v1/processors/{other}/sub-processors", {"name": "X", "country": "SE"}, content_type="application/json"
    )
    assert announce.status_code == 404
    # and its own agreement shows it no oversight of ours and no responsible person.
    own = api.get(f"/api/v1/processors/{world['values']['AGREEMENT']}").json()
    assert own["oversights"] is None and own["responsible"] is None


def test_supplier_and_employee_get_no_people_list(world) -> None:
    for role in ("supplier", "employee"):
        client = Client()
        client.force_login(world["users"][role])
        assert client.get("/people/").status_code == 404
        token = token_create(user=world["users"][role], actor=Actor.system("test"))
        response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/people")
        assert response.status_code == 404


def _api(world: dict[str, Any], role: str, path: str) -> Any:
    token = token_create(user=world["users"][role], actor=Actor.system("test"))
    response = Client(headers={"Authorization": f"Bearer {token}"}).get(path)
    assert response.status_code == 200, response.content
    return response.json()
