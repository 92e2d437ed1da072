"""Forms of the support pages: ask, the key user's actions (one form each), effort, supplier answer, wishes and
surveys."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import Application
from ordna.support.models import Category, WishState


class AskForm(forms.Form):
    application = forms.ModelChoiceField(label=_("Application"), queryset=Application.objects.order_by("name"))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    text = forms.CharField(label=_("Your question"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000)
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=_("A screenshot, PDF or document; at most the configured size."),
    )


class AskForOthersForm(AskForm):
    asked_by = forms.CharField(
        label=_("Asked by"),
        max_length=150,
        required=False,
        help_text=_(
            "Empty: yourself. For a colleague who asked by phone or in the corridor: their name (or employee id); "
            "the question counts for them and their department."
        ),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000)


class AskBackForm(forms.Form):
    text = forms.CharField(
        label=_("What you need from the asker"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )


class EscalateForm(forms.Form):
    ticket_ref = forms.CharField(label=_("Supplier's ticket reference"), max_length=100)
    due = forms.DateField(
        label=_("Answer due by (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the supplier promised an answer; empty: by the service level, when there is one."),
    )
    text = forms.CharField(
        label=_("Note to the supplier (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )


class NoteForm(forms.Form):
    """Resolve or close: only an optional note."""

    text = forms.CharField(
        label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10_000
    )


class TakeForm(forms.Form):
    """Taking a question needs nothing but the click."""


class PublishForm(forms.Form):
    title = forms.CharField(label=_("Knowledge base title"), max_length=200)
    answer = forms.CharField(
        label=_("Answer as published"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )


# The key user's actions on a question, each with its own form: (action, form, heading, button).
HANDLE_ACTIONS: dict[str, tuple[type[forms.Form], Any, Any]] = {
    "take": (TakeForm, _("Take the question"), _("Take it")),
    "answer": (AnswerForm, _("Answer"), _("Send the answer and resolve")),
    "ask_back": (AskBackForm, _("Ask the asker back"), _("Ask")),
    "escalate": (EscalateForm, _("Escalate to the supplier"), _("Escalate")),
    "resolve": (NoteForm, _("Mark resolved"), _("Mark resolved")),
    "close": (NoteForm, _("Close"), _("Close the question")),
    "publish": (PublishForm, _("Publish in the knowledge base"), _("Publish")),
}


class TextForm(forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000)


class EffortForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes spent"), min_value=1, max_value=24 * 60)
    on = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class WishForm(forms.Form):
    application = forms.ModelChoiceField(label=_("Application"), queryset=Application.objects.order_by("name"))
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class TriageForm(forms.Form):
    state = forms.ChoiceField(label=_("Decision"), choices=WishState.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    departments = forms.MultipleChoiceField(label=_("Departments"), widget=forms.CheckboxSelectMultiple, choices=[])
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, departments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].choices = [(d, d) for d in departments]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The survey must close on or after the day it opens."))
        return data


class SurveyAnswerForm(forms.Form):
    """One rating and one training box per application on the person's form."""

    RATINGS = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]

    def __init__(self, *args: Any, applications: list[Application], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.applications = applications
        for app in applications:
            self.fields[f"rating_{app.pk}"] = forms.ChoiceField(
                label=_("%(application)s: how well do you know it (1 to 5)?") % {"application": app.name},
                choices=self.RATINGS,
                required=False,
            )
            self.fields[f"training_{app.pk}"] = forms.BooleanField(
                label=_("I want training in %(application)s") % {"application": app.name}, required=False
            )

    def ratings(self) -> dict[int, tuple[int, bool]]:
        return {
            app.pk: (int(self.cleaned_data[f"rating_{app.pk}"]), bool(self.cleaned_data[f"training_{app.pk}"]))
            for app in self.applications
            if self.cleaned_data.get(f"rating_{app.pk}")
        }
