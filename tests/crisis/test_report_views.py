"""The report page, its PDF, CSV and JSON: readable, in French too, and only for the crisis's organization."""

from __future__ import annotations

import base64
import csv
import io
import re
import zlib

import pytest
from django.urls import reverse

from accounts.roles import Role
from crisis.models import CellRole
from crisis.services import cell
from tests.config.test_french_everywhere import html_english_left
from tests.crisis.report_fixtures import (
    CLOSED,
    declare,
    minute_counters,
    queue_conversations,
    script_timeline,
)
from tests.factories import member

pytestmark = pytest.mark.django_db

TITLE = "Flight AD1234 cancelled"


@pytest.fixture
def crisis(organization, lead, executive, agent):
    crisis = declare(organization, lead, title=TITLE, cell_members=[(lead.pk, CellRole.CRISIS_LEAD),
                                                                    (executive.pk, CellRole.EXECUTIVE)])
    script_timeline(crisis, lead=lead, executive=executive, agent=agent)
    minute_counters(organization)
    queue_conversations(crisis, agent=agent)
    return crisis


def url(name, crisis, organization=None):
    return reverse(name, kwargs={"organization_slug": (organization or crisis.organization).slug, "pk": crisis.pk})


def pdf_text(content: bytes) -> bytes:
    """The PDF's page streams decoded (reportlab writes them ASCII85-encoded and compressed)."""
    texts = []
    for match in re.finditer(rb"/Filter \[ /ASCII85Decode /FlateDecode \] /Length \d+\s*>>\s*stream\r?\n(.*?)endstream",
                             content, re.DOTALL):
        encoded = match.group(1).strip()
        encoded = encoded[:-2] if encoded.endswith(b"~>") else encoded
        texts.append(zlib.decompress(base64.a85decode(encoded)))
    return b"\n".join(texts)


def test_the_page_of_an_active_crisis_shows_its_figures_so_far_charts_and_a_way_to_close(client, crisis, lead):
    client.force_login(lead)
    response = client.get(url("crisis-report", crisis))
    assert response.status_code == 200
    html = response.content.decode()
    assert TITLE in html and 'data-testid="report-status"' in html
    assert "Active: figures so far" in html
    assert html.count("<svg") >= 3  # volume, negative share, re-shares
    assert "style=" not in html.split('data-testid="crisis-report"')[1]  # the CSP forbids style attributes
    assert f'href="/o/{crisis.organization.slug}/crisis/{crisis.pk}/close/"' in html
    for figure in ("40\u00a0s", "55\u00a0s", "3\u00a0min", "8\u00a0min", "14\u00a0min"):
        assert figure in html
    assert "Rembourser tous les passagers du AD1234" in html
    assert "2000 mentions since the start" in html  # from the storm's first minute, whatever the chart's bins


def test_a_closed_crisis_shows_its_closing_time_and_summary_and_no_close_link(client, crisis, lead):
    cell.crisis_close(crisis=crisis, actor=lead, summary="Flights rebooked.", now=CLOSED)
    client.force_login(lead)
    html = client.get(url("crisis-report", crisis)).content.decode()
    assert 'data-testid="report-closed-at"' in html and "22/11/2026 08:00" in html  # 07:00 UTC, Paris time
    assert "Flights rebooked." in html and 'data-testid="report-close"' not in html


def test_closing_ends_crisis_mode_and_the_report_is_final(client, crisis, lead):
    from crisis.selectors import active_crisis, crisis_report

    assert active_crisis(organization=crisis.organization) == crisis
    crisis = cell.crisis_close(crisis=crisis, actor=lead, summary="Done.", now=CLOSED)
    assert active_crisis(organization=crisis.organization) is None
    assert crisis_report(crisis=crisis).until == CLOSED


def test_a_viewer_reads_the_report_but_is_not_offered_to_close(client, crisis, viewer):
    client.force_login(viewer)
    response = client.get(url("crisis-report", crisis))
    assert response.status_code == 200 and 'data-testid="report-close"' not in response.content.decode()


def test_the_page_in_french(client, organization, crisis):
    organization.language = "fr"
    organization.save(update_fields=["language"])
    person = member(organization, Role.LEAD, email="chef@airdemo.example", full_name="Camille Martin", language="fr")
    client.force_login(person)
    html = client.get(url("crisis-report", crisis)).content.decode()
    assert "Rapport de crise" in html and "Qui a fait quoi" in html
    assert html_english_left(html, allowed={"Flight", "cancelled"}) == []


def test_the_pdf_holds_the_title_and_a_download_name(client, crisis, lead):
    client.force_login(lead)
    response = client.get(url("crisis-report-pdf", crisis))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="crisis-{crisis.pk}-flight-ad1234-cancelled.pdf"' in response["Content-Disposition"]
    pages = pdf_text(response.content)
    assert b"(" + TITLE.encode() + b")" in pages  # drawn on the page, not only in the file's metadata
    assert b"(Who did what)" in pages and b"(Rembourser tous les passagers du AD1234)" in pages


def test_the_pdf_survives_hostile_and_unusual_text(client, organization, lead):
    crisis = declare(organization, lead, title="Vol <b>annulé</b> & retard 😡 — 航班")
    cell.event_record(crisis=crisis, kind="note", actor=lead, text="<a href='x'>clic</a> <para> & 🔥")
    client.force_login(lead)
    response = client.get(url("crisis-report-pdf", crisis))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_csv_is_neutralised_and_named_after_the_title(client, crisis, lead, executive):
    cell.event_record(crisis=crisis, kind="decision", actor=executive, text='=HYPERLINK("http://evil.example","x")')
    cell.event_record(crisis=crisis, kind="note", actor=executive, text="@SUM(1+1)")
    client.force_login(lead)
    response = client.get(url("crisis-report-csv", crisis))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="crisis-{crisis.pk}-flight-ad1234-cancelled.csv"' in response["Content-Disposition"]
    cells = [c for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for c in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'@SUM(1+1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or re.match(r"-\D", c)]
    assert TITLE in cells


def test_the_json_names_the_agreed_figures(client, crisis, lead):
    client.force_login(lead)
    data = client.get(url("crisis-report-json", crisis)).json()
    assert (data["detected_s"], data["declared_s"], data["first_statement_s"]) == (40, 480, 840)
    assert data["title"] == TITLE and data["series"] and data["timeline"]


@pytest.mark.parametrize("name", ["crisis-report", "crisis-report-pdf", "crisis-report-csv", "crisis-report-json"])
def test_another_organizations_crisis_is_not_found(client, crisis, name, outsider, other_organization):
    client.force_login(outsider)
    assert client.get(url(name, crisis, other_organization)).status_code == 404  # their slug, our crisis
    assert client.get(url(name, crisis)).status_code == 404  # our slug: not their organization


@pytest.mark.parametrize("name", ["crisis-report", "crisis-report-pdf", "crisis-report-csv", "crisis-report-json"])
def test_writes_are_refused_and_a_missing_crisis_is_not_found(client, crisis, name, lead):
    client.force_login(lead)
    assert client.post(url(name, crisis)).status_code == 405
    assert client.get(reverse(name, kwargs={"organization_slug": crisis.organization.slug, "pk": 999999})).status_code == 404


def test_the_api_gives_the_report_to_the_organization_only(crisis, lead, outsider, api_for):
    path = f"/api/v1/o/{crisis.organization.slug}/crises/{crisis.pk}/report/"
    response = api_for(lead).get(path)
    assert response.status_code == 200
    assert (response.json()["detected_s"], response.json()["first_statement_s"]) == (40, 840)
    assert api_for(outsider).get(path).status_code == 404  # not their organization
    assert api_for(outsider).get(f"/api/v1/o/rival/crises/{crisis.pk}/report/").status_code == 404  # not their crisis
    assert api_for(lead).post(path, {}, format="json").status_code == 405


def test_the_pdf_and_csv_speak_the_readers_language(client, organization, crisis):
    person = member(organization, Role.LEAD, email="chef@airdemo.example", full_name="Camille Martin", language="fr")
    client.force_login(person)
    pages = pdf_text(client.get(url("crisis-report-pdf", crisis)).content)
    assert b"(Qui a fait quoi)" in pages and b"(D\\351lais cl\\351s)" in pages  # cp1252 "é", escaped by reportlab
    text = client.get(url("crisis-report-csv", crisis)).content.decode("utf-8-sig")
    assert "Secondes jusqu'à la détection,40" in text and "Réponses envoyées" in text


def test_a_crisis_declared_a_minute_ago_with_nothing_yet_reads_plainly(client, organization, lead):
    crisis = cell.crisis_declare(organization=organization, actor=lead, title="Just declared")
    client.force_login(lead)
    html = client.get(url("crisis-report", crisis)).content.decode()
    assert "No mention was counted during this crisis." in html and "<svg" not in html
    assert "No decision was recorded." in html and "No task was created." in html
    assert 'data-testid="report-answered-2h">—<' in html
    assert client.get(url("crisis-report-pdf", crisis)).content.startswith(b"%PDF")
