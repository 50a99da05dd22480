"""Pages of the crisis cell (report), under /o/<slug>/crisis/."""

from django.urls import path

from . import report_views

urlpatterns: list = [
    path("<int:pk>/report/", report_views.CrisisReportView.as_view(), name="crisis-report"),
    path("<int:pk>/report.pdf", report_views.CrisisReportPdfView.as_view(), name="crisis-report-pdf"),
    path("<int:pk>/report.csv", report_views.CrisisReportCsvView.as_view(), name="crisis-report-csv"),
    path("<int:pk>/report.json", report_views.CrisisReportJsonView.as_view(), name="crisis-report-json"),
]
