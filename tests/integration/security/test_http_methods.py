"""A whitelisted method of the app that changes something (saves, sends, queues a job) takes POST only: a
GET needs no CSRF token, so a link or an image on any page a signed-in manager opens would run it.

Before, "Recompute now" (`enqueue_rfm`) and the rule recount (`enqueue_rules`) of Analytics Settings took
a GET and queued the nightly jobs on the long queue."""

from __future__ import annotations

import frappe
import pytest
from frappe.handler import execute_cmd

from tests.integration.factories import make_user
from tests.integration.security.test_every_endpoint import app_methods
from tests.integration.security.world import http_request

# Methods that only read (or, for a guest webhook, answer the gateway's GET verification): GET is fine.
READS = {
	"crm_suite.sales.duplicates.get_duplicates",
	"crm_suite.crm.whatsapp.webhook",  # GET: Meta's subscription challenge; POST: the messages
	"crm_suite.crm.timeline.get_customer_timeline",
	"crm_suite.api.dashboards.sla_breaches_today",
	"crm_suite.api.generic.get_count",
	"crm_suite.api.generic.get_group_by_count",
	"crm_suite.api.generic.get_open_count",
	"crm_suite.api.generic.get_submitted_linked_docs",
	"crm_suite.api.data_import.get_preview_from_template",
	"crm_suite.api.data_import.get_import_status",
	"crm_suite.api.data_import.download_import_log",
	"crm_suite.api.data_import.download_errored_template",
	"crm_suite.api.openapi.get_openapi",
	"crm_suite.api.openapi.get_doctype_schema",
	"crm_suite.activities.api.get_my_day",
	"crm_suite.activities.api.get_record_activities",
	"crm_suite.service.portal.get_my_tickets",
	"crm_suite.service.portal.get_ticket",
	"crm_suite.service.portal.getdoc",
	"crm_suite.service.portal.get_docinfo",
	"crm_suite.marketing.segments.preview_count",
	"crm_suite.marketing.segments.get_filterable_fields",
	"crm_suite.marketing.doctype.segment.segment.Segment.refresh_count",
	"crm_suite.sales.bulk_import.BulkDataImport.get_preview_from_template",
	"crm_suite.utils.i18n.dashboard_chart",
	"crm_suite.analytics.basket.get_cross_sell",
	"crm_suite.analytics.orders.make_sales_order",  # maps an opportunity to an unsaved order
}


def test_only_reading_methods_take_a_get():
	takes_get = {
		cmd
		for cmd, fn in app_methods().items()
		if "GET" in (frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["GET", "POST"])
	}
	assert takes_get - READS == set(), "these change something: whitelist them with methods=['POST']"


@pytest.mark.parametrize(
	"cmd", ["crm_suite.analytics.rfm.enqueue_rfm", "crm_suite.analytics.basket.enqueue_rules"]
)
def test_a_get_does_not_queue_a_recompute(cmd):
	frappe.set_user(make_user("CRM Manager").name)
	http_request("GET")
	frappe.local.form_dict = frappe._dict(cmd=cmd)
	try:
		with pytest.raises(frappe.PermissionError):
			execute_cmd(cmd)
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()
