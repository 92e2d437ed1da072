"""Forms of the core pages: sign-in and the choice of language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.core.models import Locale

COUNTRIES = [("", _("None (the default holidays)")), ("SE", _("Sweden")), ("NL", _("The Netherlands"))]


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Locale.choices)


class CompanyForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("Short, as the HR file's company column names it: se, nl-brand.")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Locale.choices, initial="en")
    mail_domains = forms.CharField(
        label=_("Mail domains"),
        required=False,
        help_text=_("Its people's mail domains, separated by spaces or commas; no other company may have them."),
    )

    def domains(self) -> list[str]:
        return [d for d in str(self.cleaned_data["mail_domains"]).replace(",", " ").split() if d]
