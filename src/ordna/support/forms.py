"""Forms of the support pages: ask, handle, effort, supplier answer, wishes and surveys."""

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
        label=_("Asked by (employee id)"),
        max_length=64,
        required=False,
        help_text=_("Empty: yourself. IT may register a question on a colleague's behalf."),
    )


class HandleForm(forms.Form):
    ACTIONS = [
        ("answer", _("Answer (resolves the question)")),
        ("ask_back", _("Ask the asker back")),
        ("escalate", _("Escalate to the supplier")),
        ("resolve", _("Mark resolved")),
        ("close", _("Close")),
        ("take", _("Take the question")),
        ("publish", _("Publish in the knowledge base")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    ticket_ref = forms.CharField(label=_("Supplier's ticket reference"), required=False, max_length=100)
    title = forms.CharField(label=_("Knowledge base title"), required=False, max_length=200)


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
