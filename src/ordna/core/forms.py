"""Forms of the core pages: sign-in and user management."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.core.models import Locale, Role


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    person = forms.CharField(label=_("Linked person (employee id)"), required=False, max_length=64)
    supplier = forms.CharField(label=_("Supplier (for supplier users)"), required=False, max_length=200)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. Leave empty to keep the current one."),
    )
    is_active = forms.BooleanField(label=_("May sign in"), required=False, initial=True)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Locale.choices)
