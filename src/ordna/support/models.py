"""Support around applications (docs/key-users.md): questions and their two clocks, effort, the knowledge base,
skills surveys and wishes."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def attachment_storage() -> FileSystemStorage:
    """Attachments live in the data directory, outside anything served statically."""
    return FileSystemStorage(location=settings.DATA_DIR / "attachments")


class Category(models.TextChoices):
    HOW_TO = "how_to", _("How do I…")
    ERROR = "error", _("Error or fault")
    ACCESS = "access", _("Access or rights")
    DATA = "data", _("Data or report")
    CHANGE = "change", _("Change request")
    OTHER = "other", _("Other")


class QuestionState(models.TextChoices):
    """The states of docs/key-users.md; a question waits on the supplier only while escalated."""

    NEW = "new", _("New")
    WITH_KEY_USER = "with_key_user", _("With key user")
    ESCALATED = "escalated", _("Escalated to supplier")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATES = (QuestionState.NEW, QuestionState.WITH_KEY_USER, QuestionState.ESCALATED)


class AssignedVia(models.TextChoices):
    PRIMARY = "primary", _("Primary key user")
    ROUND_ROBIN = "round_robin", _("Round robin (primary away)")
    NOBODY = "nobody", _("No key user available")


class Question(models.Model):
    """A colleague's question about an application, routed to a key user and, if need be, to the supplier.

    Every step has its timestamp; `internal_due_at` and `supplier_due_at` make overdue questions queryable for
    the reminder engine. The clocks themselves are computed from the events (see support.clocks).
    """

    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, related_name="questions")
    asked_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="questions_asked")
    # Who typed it: the asker in the web, or an intranet page or chat bot asking on their behalf.
    entered_by = models.CharField(max_length=150, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.HOW_TO)
    text = models.TextField()
    attachment = models.FileField(storage=attachment_storage, upload_to="questions/%Y/%m", blank=True)
    attachment_name = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=20, choices=QuestionState.choices, default=QuestionState.NEW)
    assignee = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="questions_assigned"
    )
    assigned_via = models.CharField(max_length=20, choices=AssignedVia.choices, default=AssignedVia.NOBODY)
    # Set at escalation, so the supplier's portal sees the question even if the application changes supplier.
    supplier = models.ForeignKey(
        "core.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    supplier_ticket_ref = models.CharField(max_length=100, blank=True)
    waiting_on_asker = models.BooleanField(default=False)
    internal_target_hours = models.PositiveIntegerField()
    supplier_target_hours = models.PositiveIntegerField(null=True, blank=True)
    asked_at = models.DateTimeField()
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    supplier_answered_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    internal_due_at = models.DateTimeField()
    supplier_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.CheckConstraint(name="question_known_state", condition=Q(state__in=QuestionState.values)),
            models.CheckConstraint(name="question_known_category", condition=Q(category__in=Category.values)),
            models.CheckConstraint(name="question_text_not_blank", condition=~Q(text="")),
            # Escalated means: to a supplier, with the supplier's own ticket reference.
            models.CheckConstraint(
                name="question_escalated_has_supplier",
                condition=~Q(state=QuestionState.ESCALATED) | (Q(supplier__isnull=False) & ~Q(supplier_ticket_ref="")),
            ),
        ]
        indexes = [
            models.Index(fields=["application", "asked_at"], name="question_app_idx"),
            models.Index(fields=["state", "internal_due_at"], name="question_due_idx"),
            models.Index(fields=["supplier", "state"], name="question_supplier_idx"),
        ]

    def __str__(self) -> str:
        return f"Q{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class EventKind(models.TextChoices):
    ASKED = "asked", _("Asked")
    ASSIGNED = "assigned", _("Assigned")
    ANSWERED = "answered", _("Answered")
    ASKED_BACK = "asked_back", _("Asked back")
    REPLIED = "replied", _("Replied")
    ESCALATED = "escalated", _("Escalated to supplier")
    SUPPLIER_ANSWERED = "supplier_answered", _("Supplier answered")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published in the knowledge base")


class QuestionEvent(models.Model):
    """One step in a question's thread; `state` is the question's state after it (the clocks read these)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    state = models.CharField(max_length=20, choices=QuestionState.choices)
    author = models.CharField(max_length=150, blank=True)
    # Suppliers see only the parts of the thread meant for them (escalation, their answers, the outcome).
    for_supplier = models.BooleanField(default=False)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.question_id}:{self.kind}"


class Effort(models.Model):
    """Time a key user spent on a question, compared with their appointment's hours per month."""

    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="efforts")
    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="efforts")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="efforts")
    on = models.DateField()
    minutes = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(name="effort_positive", condition=Q(minutes__gt=0) & Q(minutes__lte=24 * 60)),
        ]
        indexes = [models.Index(fields=["person", "on"], name="effort_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.on}:{self.minutes}"


class Article(models.Model):
    """A resolved question's answer, published per application: the knowledge base the ask form searches."""

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="articles")
    question = models.OneToOneField(Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="article")
    title = models.CharField(max_length=200)
    answer = models.TextField()
    published_by = models.CharField(max_length=150, blank=True)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["application__name", "title"]
        constraints = [models.CheckConstraint(name="article_title_not_blank", condition=~Q(title=""))]

    def __str__(self) -> str:
        return self.title


class SkillSurvey(models.Model):
    """A skills survey campaign for chosen departments; each invited person rates the applications they use."""

    title = models.CharField(max_length=200)
    departments = models.JSONField(default=list)
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(name="survey_closes_after_opening", condition=Q(closes_on__gte=models.F("opens_on")))
        ]

    def __str__(self) -> str:
        return self.title


class SurveyInvitation(models.Model):
    """One person invited to a survey; `answered_at` is set when they send the form (reminders read it)."""

    survey = models.ForeignKey(SkillSurvey, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="survey_invitations")
    # The applications the person had an active account in when invited: the rows of their form.
    applications = models.JSONField(default=list)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["survey_id", "person__last_name", "person__first_name"]
        constraints = [models.UniqueConstraint(fields=["survey", "person"], name="invitation_once_per_person")]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.person_id}"


class SkillRating(models.Model):
    """A self-rating (1 to 5) for one application, and whether the person wants training in it."""

    invitation = models.ForeignKey(SurveyInvitation, on_delete=models.CASCADE, related_name="ratings")
    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="ratings")
    rating = models.PositiveSmallIntegerField()
    wants_training = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "application"], name="rating_once_per_application"),
            models.CheckConstraint(name="rating_one_to_five", condition=Q(rating__gte=1) & Q(rating__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id}:{self.application_id}={self.rating}"


class WishState(models.TextChoices):
    NEW = "new", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class Wish(models.Model):
    """An improvement an employee proposes for an application; others vote, key users triage it."""

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="wishes")
    proposed_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="wishes")
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=WishState.choices, default=WishState.NEW)
    reason = models.TextField(blank=True)
    triaged_by = models.CharField(max_length=150, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    votes = models.PositiveIntegerField(default=0)  # kept equal to the WishVote rows by the vote service
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-votes", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="wish_known_state", condition=Q(state__in=WishState.values)),
            models.CheckConstraint(name="wish_title_not_blank", condition=~Q(title="")),
        ]

    def __str__(self) -> str:
        return self.title


class WishVote(models.Model):
    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="vote_rows")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="wish_votes")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wish", "person"], name="vote_once_per_person")]

    def __str__(self) -> str:
        return f"{self.wish_id}:{self.person_id}"
