"""Forms of the application catalogue: the application itself and its key-user appointments."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import AppointmentRole, Criticality, Responsibility
from ordna.core.models import Company, Supplier


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.CharField(label=_("Owner (employee id)"), required=False, max_length=64)
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Supplier.objects.order_by("name"), required=False)
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.order_by("name"),
        required=False,
        empty_label=_("Shared by the group"),
        help_text=_("A company's own application (its tenant, say) is taken back when a person moves to another."),
    )
    criticality = forms.ChoiceField(label=_("Criticality"), choices=Criticality.choices)
    supplier_resolution_hours = forms.IntegerField(
        label=_("Supplier's resolution time (business hours)"),
        required=False,
        min_value=1,
        help_text=_("The service level for escalated questions; empty when there is none."),
    )
    source_max_age_days = forms.IntegerField(
        label=_("Account data is stale after (days)"),
        required=False,
        min_value=1,
        max_value=3660,
        help_text=_("Empty: ORDNA_SOURCE_MAX_AGE_DAYS (docs/feeds.md)."),
    )
    holds_personal_data = forms.BooleanField(
        label=_("Holds personal data: its supplier is a processor and needs an agreement (docs/processors.md)"),
        required=False,
    )


class ApplicationAddForm(ApplicationForm):
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        help_text=_("Letters, digits and hyphens: how imports and the API name it (m365, slack)."),
    )
    deprovision_days = forms.IntegerField(
        label=_("Business days to close a leaver's account"), min_value=0, max_value=60, initial=1
    )
    attest_only = forms.BooleanField(
        label=_("No export and no connector: its leaver lines can only be attested"), required=False
    )
    field_order = ["slug", "name"]


class LicenseForm(forms.Form):
    name = forms.CharField(label=_("Licence"), max_length=200)
    monthly_cost = forms.DecimalField(label=_("Monthly cost per seat"), min_value=0, decimal_places=2, max_digits=12)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="SEK")
    seats = forms.IntegerField(label=_("Seats bought"), min_value=0, required=False)


class AppointmentForm(forms.Form):
    person = forms.CharField(label=_("Person (employee id)"), max_length=64)
    role = forms.ChoiceField(label=_("Role"), choices=AppointmentRole.choices)
    primary = forms.BooleanField(label=_("Primary key user (gets new questions first)"), required=False)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hours_per_month = forms.DecimalField(label=_("Hours per month"), min_value=0, max_value=744, decimal_places=1)
    responsibilities = forms.MultipleChoiceField(
        label=_("Responsibilities"), choices=Responsibility.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    away_from = forms.DateField(label=_("Away from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    away_until = forms.DateField(label=_("Away until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
