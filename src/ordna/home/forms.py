"""The forms of the user administration pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.core.models import Company, Role


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    person = forms.CharField(label=_("Linked person (employee id)"), required=False, max_length=64)
    supplier = forms.CharField(label=_("Supplier (for supplier users)"), required=False, max_length=200)
    companies = forms.ModelMultipleChoiceField(
        label=_("Companies"),
        queryset=Company.objects.all(),
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "IT coordinators, HR users, managers and auditors: only these companies' people. None: the whole group."
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. Leave empty to keep the current one."),
    )
    is_active = forms.BooleanField(label=_("May sign in"), required=False, initial=True)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("What the token is for"), required=False, max_length=100, help_text=_("For example: payroll sync")
    )
