"""Forms of the core pages: sign-in and the choice of language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.core.models import Locale


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Locale.choices)
