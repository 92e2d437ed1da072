"""The connector form: kind, options one KEY=VALUE a line, the secret (write-only), policy and schedule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.connectors.models import ActionState, ConnectorKind, DisablePolicy


class ConnectorForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ConnectorKind.choices)
    options = forms.CharField(
        label=_("Options"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_("One KEY=VALUE a line, for example url=ldaps://dc1.example.org or base_dn=dc=example,dc=org."),
    )
    secret = forms.CharField(
        label=_("Password, token or client secret"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the stored one."),
    )
    policy = forms.ChoiceField(label=_("Leavers' accounts"), choices=DisablePolicy.choices)
    sync_hours = forms.IntegerField(
        label=_("Pull every (hours)"), min_value=0, max_value=720, help_text=_("0: only when asked.")
    )


class DeprovisionForm(forms.Form):
    account = forms.CharField(label=_("Account"), max_length=255)
    dry_run = forms.BooleanField(label=_("Dry run: only say what would be done"), required=False, initial=True)
    # From a leaver case's page: where to come back to.
    case = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OutboxFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any")), *ActionState.choices])
    application = forms.CharField(label=_("Application"), required=False, max_length=60)
