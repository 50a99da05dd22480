"""Page forms of on-call: parse what people type; services decide what is allowed."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AlertSeverity, ContactMethodKind, ShiftUnit

RESTRICTION_CHOICES = [
    ("", _("Round the clock")),
    ("weekdays", _("Weekdays 09:00–18:00")),
    ("nights", _("Nights 20:00–08:00")),
    ("weekends", _("Weekends")),
]
RESTRICTIONS = {
    "": [],
    "weekdays": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}],
    "nights": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "20:00", "end": "08:00"}],
    "weekends": [{"days": ["sat", "sun"], "start": "00:00", "end": "24:00"}],
}


class LayerForm(forms.Form):
    name = forms.CharField(label=_("Layer name"), max_length=120, required=False)
    # Checkboxes named "members": they rotate in the order the page lists them.
    starts_on = forms.DateField(label=_("Start date"))
    handoff_time = forms.TimeField(label=_("Handoff time"))
    shift_unit = forms.ChoiceField(label=_("Shift unit"), choices=ShiftUnit.choices)
    shift_count = forms.IntegerField(label=_("Shift length"), min_value=1, max_value=366, initial=1)
    restriction = forms.ChoiceField(label=_("Restricted to"), choices=RESTRICTION_CHOICES, required=False)
    level = forms.IntegerField(label=_("Level"), min_value=0, max_value=100, initial=0)

    def layer_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"], "member_ids": [int(v) for v in self.data.getlist("members") if v.strip().isdigit()],
            "starts_on": data["starts_on"], "handoff_time": data["handoff_time"], "shift_unit": data["shift_unit"],
            "shift_count": data["shift_count"], "restrictions": RESTRICTIONS[data.get("restriction") or ""],
            "level": data["level"],
        }


class RotaForm(LayerForm):
    rota_name = forms.CharField(label=_("Rota name"), max_length=120)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Europe/Paris")


class PeriodForm(forms.Form):
    user = forms.IntegerField(label=_("Person"))
    starts_at = forms.DateTimeField(label=_("Start"))
    ends_at = forms.DateTimeField(label=_("End"))
    note = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ManualPageForm(forms.Form):
    title = forms.CharField(label=_("What is happening"), max_length=200)
    severity = forms.ChoiceField(label=_("Severity"), choices=AlertSeverity.choices, initial=AlertSeverity.HIGH)
    details = forms.CharField(label=_("Details"), widget=forms.Textarea, required=False)


class ContactMethodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactMethodKind.choices)
    address = forms.CharField(label=_("Address"), max_length=500, required=False)
    label = forms.CharField(label=_("Label"), max_length=80, required=False)


class NotificationRuleForm(forms.Form):
    contact_method = forms.IntegerField(label=_("Contact method"))
    delay_minutes = forms.IntegerField(label=_("After (minutes)"), min_value=0, max_value=240, initial=0)


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    steps = forms.CharField(label=_("Steps (JSON)"), widget=forms.Textarea)
    repeat = forms.IntegerField(label=_("Repeat"), min_value=0, max_value=9, initial=0)

    def clean_steps(self):
        try:
            return json.loads(self.cleaned_data["steps"])
        except ValueError:
            raise forms.ValidationError(_("Write the steps as JSON, e.g. [{\"notify\": \"leads\", \"wait_minutes\": 5}].")) from None
