"""The source health page's filters and the feed form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.feeds.models import FeedKind, FeedTarget


class HealthFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("ok", _("OK")), ("failing", _("Failing")), ("stale", _("Stale"))],
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), ("feed", _("Feeds")), ("connector", _("Connectors"))]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)


class FeedForm(forms.Form):
    name = forms.SlugField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=FeedKind.choices)
    target = forms.ChoiceField(label=_("Delivers"), choices=FeedTarget.choices)
    application = forms.CharField(
        label=_("Application"), required=False, help_text=_("The application's short name, for an account export")
    )
    preset = forms.CharField(label=_("Format"), required=False, help_text=_("Empty: the application's saved format"))
    full = forms.BooleanField(label=_("The export lists every account"), required=False, initial=True)
    schedule = forms.CharField(
        label=_("Schedule"), initial="daily at 06:00", help_text=_('"daily at HH:MM" or a cron expression')
    )
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One KEY=VALUE per line: path; url, auth, header, username; host, port, path, host_key"),
    )
    secret = forms.CharField(
        label=_("Secret"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_("A password, header value or private key; empty keeps the stored one"),
    )
    enabled = forms.BooleanField(label=_("Run on its schedule"), required=False, initial=True)
