"""Forms of the crisis cell's pages: declaring and closing a crisis. Services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CellRole, CrisisSeverity

SEVERITY_HELP = _(
    "1 minor: a local issue, the desk answers faster. 2 serious: many people affected, first-response "
    "targets halved. 3 major: national attention, statements need an executive's sign-off. "
    "4 critical: safety or the brand at stake, targets divided by four, everyone on deck.")

# The cell by role, in the order the form shows them; a person keeps the first role they are given.
CELL_FIELDS = [(f"cell_{role}", role, label) for role, label in CellRole.choices]


class CrisisDeclareForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    severity = forms.TypedChoiceField(label=_("Severity"), choices=CrisisSeverity.choices, coerce=int,
                                      initial=CrisisSeverity.SERIOUS, help_text=SEVERITY_HELP)
    topics = forms.TypedMultipleChoiceField(label=_("Watch topics"), coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    keywords = forms.CharField(label=_("Keywords (separated by commas)"), max_length=2000, required=False)
    channels = forms.TypedMultipleChoiceField(label=_("Channels"), coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    from_alert = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, topics=(), channels=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(t.pk, t.name) for t in topics]
        self.fields["channels"].choices = [(c.pk, f"{c.get_platform_display()} {c.handle}") for c in channels]
        for name, _role, label in CELL_FIELDS:
            self.fields[name] = forms.TypedMultipleChoiceField(
                label=label, coerce=int, required=False, choices=[(u.pk, u.display_name) for u in people])

    def cell_fields(self):
        return [self[name] for name, _role, _label in CELL_FIELDS]

    def declaration(self) -> dict:
        """The service's arguments (crisis_declare) from the cleaned form."""
        data = self.cleaned_data
        cell = [(user_id, role) for name, role, _label in CELL_FIELDS for user_id in data.get(name) or []]
        return {"title": data["title"], "severity": data["severity"], "topic_ids": data["topics"],
                "keywords": [w.strip() for w in data["keywords"].split(",") if w.strip()],
                "channel_ids": data["channels"], "cell": cell}


class CrisisCloseForm(forms.Form):
    summary = forms.CharField(label=_("Closing summary"), max_length=5000, widget=forms.Textarea,
                              help_text=_("What happened, what was decided, what is left to do."))
