"""Forms of the inbox settings and routing-rule pages: plain fields people fill in, turned into
the JSON the services and the API take."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team
from inbox.sla import DAY_KEYS, PRIORITIES

from .models import Channel, MessageKind, Priority, Tag

DAY_LABELS = dict(zip(DAY_KEYS, (gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
                                 gettext_lazy("Thursday"), gettext_lazy("Friday"), gettext_lazy("Saturday"),
                                 gettext_lazy("Sunday")), strict=True))
PRIORITY_LABELS = {"urgent": gettext_lazy("Urgent"), "high": gettext_lazy("High"), "normal": gettext_lazy("Normal"),
                   "low": gettext_lazy("Low")}
_PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


class InboxSettingsForm(forms.Form):
    """First-response targets per priority, opening hours per weekday ("09:00-12:30, 13:30-18:00",
    empty: closed; every day empty: 24/7) and holidays (one date per line)."""

    holidays = forms.CharField(label=gettext_lazy("Holidays (one date per line, e.g. 2026-12-25)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for priority in PRIORITIES:
            self.fields[f"target_{priority}"] = forms.IntegerField(
                label=PRIORITY_LABELS.get(priority, priority), min_value=1, max_value=60 * 24 * 30)
        for day in DAY_KEYS:
            self.fields[f"hours_{day}"] = forms.CharField(label=DAY_LABELS[day], required=False, max_length=200)

    @staticmethod
    def initial_from(policy_json: dict) -> dict:
        initial = {f"target_{p}": m for p, m in policy_json.get("targets_minutes", {}).items()}
        hours = policy_json.get("business_hours") or {}
        for day in DAY_KEYS:
            initial[f"hours_{day}"] = ", ".join(f"{a}-{b}" for a, b in hours.get(day, []))
        initial["holidays"] = "\n".join(hours.get("holidays", []))
        return initial

    def target_fields(self):
        return [self[f"target_{p}"] for p in PRIORITIES]

    def day_fields(self):
        return [self[f"hours_{d}"] for d in DAY_KEYS]

    def clean(self):
        data = super().clean()
        hours: dict[str, list] = {}
        for day in DAY_KEYS:
            text = data.get(f"hours_{day}") or ""
            periods = []
            for part in filter(None, (p.strip() for p in text.split(","))):
                match = _PERIOD.match(part)
                if not match:
                    self.add_error(f"hours_{day}", _("Write periods like 09:00-12:30, 13:30-18:00 (or leave empty: closed)."))
                    break
                periods.append([match.group(1).zfill(5), match.group(2).zfill(5)])
            if periods:
                hours[day] = periods
        holidays = [line.strip() for line in re.split(r"[\n,]", data.get("holidays") or "") if line.strip()]
        if holidays:
            if not hours:
                self.add_error("holidays", _("Holidays apply to business hours: set opening hours first "
                                             "(with no hours the clock runs 24/7)."))
            hours["holidays"] = holidays
        data["sla_policy"] = {
            "targets_minutes": {p: data[f"target_{p}"] for p in PRIORITIES if data.get(f"target_{p}")},
            "business_hours": hours,
        }
        return data


class RoutingRuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    position = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, initial=0,
                                  help_text=gettext_lazy("Rules apply from the lowest number up."))
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    keywords = forms.CharField(label=gettext_lazy("Any of these words (comma-separated)"), required=False)
    exclude_keywords = forms.CharField(label=gettext_lazy("None of these words (comma-separated)"), required=False)
    languages = forms.MultipleChoiceField(label=gettext_lazy("Languages"), required=False,
                                          choices=[("fr", gettext_lazy("French")), ("en", gettext_lazy("English"))],
                                          widget=forms.CheckboxSelectMultiple)
    kinds = forms.MultipleChoiceField(label=gettext_lazy("Kinds"), required=False, choices=MessageKind.choices,
                                      widget=forms.CheckboxSelectMultiple)
    sentiment_above = forms.FloatField(label=gettext_lazy("Sentiment above (-1 to 1)"), required=False)
    sentiment_below = forms.FloatField(label=gettext_lazy("Sentiment below (-1 to 1)"), required=False)
    min_followers = forms.IntegerField(label=gettext_lazy("At least this many followers"), required=False, min_value=0)
    channels = forms.ModelMultipleChoiceField(label=gettext_lazy("Channels"), required=False, queryset=Channel.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    team = forms.ModelChoiceField(label=gettext_lazy("Give to team"), required=False, queryset=Team.objects.none())
    tags = forms.ModelMultipleChoiceField(label=gettext_lazy("Add tags"), required=False, queryset=Tag.objects.none(),
                                          widget=forms.CheckboxSelectMultiple)
    priority = forms.TypedChoiceField(label=gettext_lazy("Raise priority to"), required=False, coerce=int,
                                      empty_value=None, choices=[("", "—"), *Priority.choices])
    stop_processing = forms.BooleanField(label=gettext_lazy("Stop here (later rules do not apply)"), required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].queryset = Channel.objects.for_organization(organization).order_by("platform", "handle")
        self.fields["team"].queryset = Team.objects.for_organization(organization).order_by("name")
        self.fields["tags"].queryset = Tag.objects.for_organization(organization).order_by("name")

    @staticmethod
    def initial_from(rule) -> dict:
        c = rule.conditions or {}
        return {
            "name": rule.name, "position": rule.position, "is_active": rule.is_active,
            "keywords": ", ".join(c.get("keywords", [])), "exclude_keywords": ", ".join(c.get("exclude_keywords", [])),
            "languages": c.get("languages", []), "kinds": c.get("kinds", []),
            "sentiment_above": c.get("sentiment_above"), "sentiment_below": c.get("sentiment_below"),
            "min_followers": c.get("min_followers"), "channels": c.get("channels", []),
            "team": rule.team_id, "tags": [t.pk for t in rule.tags.all()], "priority": rule.priority,
            "stop_processing": rule.stop_processing,
        }

    def conditions(self) -> dict:
        data = self.cleaned_data
        conditions: dict = {}
        for key in ("keywords", "exclude_keywords"):
            words = [w.strip() for w in (data.get(key) or "").split(",") if w.strip()]
            if words:
                conditions[key] = words
        for key in ("languages", "kinds"):
            if data.get(key):
                conditions[key] = list(data[key])
        if data.get("channels"):
            conditions["channels"] = [channel.pk for channel in data["channels"]]
        for key in ("sentiment_above", "sentiment_below", "min_followers"):
            if data.get(key) is not None:
                conditions[key] = data[key]
        return conditions

    def rule_values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"], "position": data["position"], "is_active": data["is_active"],
            "conditions": self.conditions(), "team": data.get("team"), "tags": list(data.get("tags") or []),
            "priority": data.get("priority"), "stop_processing": data["stop_processing"],
        }
