"""Every whitelisted method and every Script Report of the app, called as each caller an attacker would be
(Guest, a portal user of customer A, the own-records Sales User, the Sales Manager limited to customer A),
must return nothing outside what the caller may read.

The methods are found in the code (`frappe.whitelisted` after importing every module of the app, as the
OpenAPI document does) and the reports in the report JSON files, so a new one is covered without a new
test; a new method needs an entry in `METHODS` (its sample arguments), else this test fails saying so.

Two checks per caller:
- unchanged: what each method (with arguments naming nothing hidden), each report and each number card and
  chart of the CRM dashboard (the fixtures) returns is the same
  before and after records of customer B the caller may not read are added (counts, sums and lists
  included); a refusal stays a refusal;
- refused: a method given the name of such a record refuses (PermissionError), and no answer of any
  method carries a hidden record's name or text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import frappe
import pytest
from frappe.handler import is_valid_http_method, run_doc_method

import crm_suite
from crm_suite.api.openapi import import_app_modules
from tests.integration.factories import unique
from tests.integration.security.world import GUEST, committed_world, http_request, markers, plant_hidden

REFUSALS = (frappe.PermissionError, frappe.AuthenticationError)


@dataclass(frozen=True)
class Case:
	"""args(world, hidden) -> the method's arguments. `hidden`: doctype -> names the caller may not read
	(empty before planting). `on_hidden`: the arguments name a hidden record (the call must be refused);
	`stable`: the answer may be compared before and after planting (False for methods that create
	something new on each call). `headers`/`body`: what the request carries besides the arguments (a
	webhook's forged token or signature); `forged`: every caller, Guest included, must be refused (a
	forged token, a Data Import somebody else made)."""

	args: Callable[[frappe._dict, dict], dict]
	on_hidden: tuple[str, ...] = ()
	stable: bool = True
	headers: dict | None = None
	body: bytes | None = None
	forged: bool = False


def first(hidden: dict, doctype: str) -> str | None:
	return (hidden.get(doctype) or [None])[0]


WHATSAPP_BODY = json.dumps(
	{
		"object": "whatsapp_business_account",
		"entry": [
			{
				"changes": [
					{
						"field": "messages",
						"value": {
							"messages": [
								{
									"from": "393331234567",
									"id": "wamid.trust-1",
									"timestamp": "1764900000",
									"type": "text",
									"text": {"body": "hi"},
								}
							]
						},
					}
				]
			}
		],
	}
).encode()

METHODS: dict[str, Case] = {
	# Sales
	"crm_suite.sales.duplicates.get_duplicates": Case(lambda w, h: {"lead": first(h, "Lead")}, ("Lead",)),
	"crm_suite.sales.duplicates.merge_leads": Case(
		lambda w, h: {"duplicate": first(h, "Lead"), "original": (h.get("Lead") or [None, None])[-1]},
		("Lead",),
	),
	"crm_suite.sales.conversion.convert_lead": Case(lambda w, h: {"lead": first(h, "Lead")}, ("Lead",)),
	# CRM
	"crm_suite.crm.web_to_lead.capture_lead": Case(
		lambda w, h: {"first_name": "Eve", "email": f"{unique('eve-')}@example.com", "message": "hi"},
		stable=False,
	),
	"crm_suite.crm.telephony.call_event": Case(
		lambda w, h: {"event_id": unique(), "direction": "Inbound", "from_number": "+4930123456"}
	),
	"crm_suite.crm.timeline.get_customer_timeline": Case(lambda w, h: {"customer": w.a}),
	"crm_suite.crm.timeline.get_customer_timeline#hidden": Case(
		lambda w, h: {"customer": first(h, "Customer")}, ("Customer",)
	),
	# Channels: sending from a record the caller may not write; the gateways' webhooks without, and with
	# a forged, token or signature (a guest endpoint: only the secret shared with the gateway lets one in).
	"crm_suite.crm.messaging.send_message": Case(
		lambda w, h: {"reference_doctype": "Lead", "reference_name": first(h, "Lead"), "message": "hi"},
		("Lead",),
	),
	"crm_suite.crm.messaging.send_message#Ticket": Case(
		lambda w, h: {
			"reference_doctype": "Ticket",
			"reference_name": first(h, "Ticket"),
			"channel": "SMS",
			"message": "hi",
		},
		("Ticket",),
	),
	"crm_suite.crm.messaging.send_message#Opportunity": Case(
		lambda w, h: {
			"reference_doctype": "Opportunity",
			"reference_name": first(h, "Opportunity"),
			"channel": "WhatsApp",
			"template": "hello_world",
		},
		("Opportunity",),
	),
	"crm_suite.crm.messaging.send_message#Customer": Case(
		lambda w, h: {
			"reference_doctype": "Customer",
			"reference_name": first(h, "Customer"),
			"channel": "SMS",
			"message": "hi",
		},
		("Customer",),
	),
	"crm_suite.crm.sms.inbound": Case(
		lambda w, h: {"message_id": "trust-sms-1", "from": "+393331234567", "text": "hi"}, forged=True
	),
	"crm_suite.crm.sms.inbound#forged": Case(
		lambda w, h: {"message_id": "trust-sms-2", "from": "+393331234567", "text": "hi"},
		headers={"X-Webhook-Token": "forged-token"},
		forged=True,
	),
	"crm_suite.crm.sms.status": Case(
		lambda w, h: {"message_id": "trust-sms-1", "status": "delivered"}, forged=True
	),
	"crm_suite.crm.sms.status#forged": Case(
		lambda w, h: {"message_id": "trust-sms-1", "status": "failed", "error": "x"},
		headers={"X-Webhook-Token": "forged-token"},
		forged=True,
	),
	"crm_suite.crm.whatsapp.webhook": Case(lambda w, h: {}, body=WHATSAPP_BODY, forged=True),
	"crm_suite.crm.whatsapp.webhook#forged": Case(
		lambda w, h: {},
		headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
		body=WHATSAPP_BODY,
		forged=True,
	),
	# Platform: Frappe's Data Import calls on an import somebody else made (every caller is refused)
	**{
		f"crm_suite.api.data_import.{fn}": Case(lambda w, h, arg=arg: {arg: w.data_import}, forged=True)
		for fn, arg in (
			("form_start_import", "data_import"),
			("get_preview_from_template", "data_import"),
			("get_import_status", "data_import_name"),
			("download_import_log", "data_import_name"),
			("download_errored_template", "data_import_name"),
		)
	},
	"crm_suite.api.dashboards.sla_breaches_today": Case(lambda w, h: {}),
	"crm_suite.api.generic.get_count": Case(lambda w, h: {"doctype": "Lead"}),
	"crm_suite.api.generic.get_count#Ticket": Case(lambda w, h: {"doctype": "Ticket"}),
	"crm_suite.api.generic.get_count#Opportunity": Case(lambda w, h: {"doctype": "Opportunity"}),
	"crm_suite.api.generic.get_open_count": Case(lambda w, h: {"doctype": "Customer", "name": w.a}),
	"crm_suite.api.generic.get_open_count#hidden": Case(
		lambda w, h: {"doctype": "Customer", "name": first(h, "Customer")}, ("Customer",)
	),
	"crm_suite.api.generic.get_submitted_linked_docs": Case(
		lambda w, h: {"doctype": "Customer", "name": w.a}
	),
	"crm_suite.api.generic.get_submitted_linked_docs#hidden": Case(
		lambda w, h: {"doctype": "Customer", "name": first(h, "Customer")}, ("Customer",)
	),
	"crm_suite.api.generic.get_group_by_count": Case(
		lambda w, h: {"doctype": "Opportunity", "current_filters": "[]", "field": "assigned_to"}
	),
	"crm_suite.api.generic.get_group_by_count#status": Case(
		lambda w, h: {"doctype": "Ticket", "current_filters": "[]", "field": "status"}
	),
	# the dashboard charts' data with translated labels (i18n); Frappe's own cache is per chart and user
	"crm_suite.utils.i18n.dashboard_chart": Case(
		lambda w, h: {"chart_name": "Leads by Source", "refresh": 1}
	),
	"crm_suite.utils.i18n.dashboard_chart#Ticket": Case(
		lambda w, h: {"chart_name": "Tickets by Status", "refresh": 1}
	),
	"crm_suite.api.openapi.get_openapi": Case(lambda w, h: {}),
	"crm_suite.api.openapi.get_doctype_schema": Case(lambda w, h: {"doctype": "Lead"}),
	# Activities
	"crm_suite.activities.api.get_my_day": Case(lambda w, h: {}),
	"crm_suite.activities.api.complete_activity": Case(
		lambda w, h: {"activity": first(h, "CRM Activity"), "outcome": "done"}, ("CRM Activity",)
	),
	"crm_suite.activities.api.cancel_activity": Case(
		lambda w, h: {"activity": first(h, "CRM Activity"), "outcome": "no"}, ("CRM Activity",)
	),
	"crm_suite.activities.api.apply_activity_plan": Case(
		lambda w, h: {
			"plan": frappe.db.get_value("Activity Plan", {}, "name") or "none",
			"reference_doctype": "Lead",
			"reference_name": first(h, "Lead"),
		},
		("Lead",),
	),
	"crm_suite.activities.api.get_record_activities": Case(
		lambda w, h: {"reference_doctype": "Lead", "reference_name": first(h, "Lead")}, ("Lead",)
	),
	"crm_suite.activities.api.send_meeting_invitation": Case(
		lambda w, h: {"activity": first(h, "CRM Activity")}, ("CRM Activity",)
	),
	"crm_suite.activities.api.resolve_missed_call": Case(
		lambda w, h: {"interaction": first(h, "Interaction")}, ("Interaction",)
	),
	# Service
	"crm_suite.service.portal.get_my_tickets": Case(lambda w, h: {}),
	"crm_suite.service.portal.getdoc": Case(lambda w, h: {"doctype": "Customer", "name": w.a}),
	"crm_suite.service.portal.getdoc#hidden": Case(
		lambda w, h: {"doctype": "Ticket", "name": first(h, "Ticket")}, ("Ticket",)
	),
	"crm_suite.service.portal.get_docinfo": Case(lambda w, h: {"doctype": "Customer", "name": w.a}),
	"crm_suite.service.portal.get_docinfo#hidden": Case(
		lambda w, h: {"doctype": "Ticket", "name": first(h, "Ticket")}, ("Ticket",)
	),
	"crm_suite.service.portal.get_ticket": Case(lambda w, h: {"name": first(h, "Ticket")}, ("Ticket",)),
	"crm_suite.service.portal.reply": Case(
		lambda w, h: {"ticket": first(h, "Ticket"), "message": "hello"}, ("Ticket",)
	),
	"crm_suite.service.portal.create_ticket": Case(
		lambda w, h: {"subject": "Help", "description": "<p>please</p>"}, stable=False
	),
	"crm_suite.service.feedback.submit_feedback": Case(
		lambda w, h: {"ticket": first(h, "Ticket"), "rating": 1}, ("Ticket",)
	),
	# Marketing
	"crm_suite.marketing.outreach.send_due_steps_now": Case(lambda w, h: {"campaign": w.campaign}),
	"crm_suite.marketing.segments.preview_count": Case(
		lambda w, h: {
			"based_on": "Lead",
			"conditions": json.dumps([{"fieldname": "status", "operator": "!=", "value": "x"}]),
		}
	),
	"crm_suite.marketing.segments.preview_count#static": Case(
		lambda w, h: {
			"based_on": "Lead",
			"segment_type": "Static List",
			"members": json.dumps([{"member": n} for n in h.get("Lead", [])]),
		}
	),
	"crm_suite.marketing.segments.get_filterable_fields": Case(lambda w, h: {"doctype": "Lead"}),
	"crm_suite.marketing.doctype.segment.segment.Segment.refresh_count": Case(lambda w, h: {}),
	"crm_suite.sales.bulk_import.BulkDataImport.get_preview_from_template": Case(
		lambda w, h: {}, forged=True
	),
	# Analytics
	"crm_suite.analytics.basket.enqueue_rules": Case(lambda w, h: {}),
	"crm_suite.analytics.basket.get_cross_sell": Case(
		lambda w, h: {"doctype": "Customer", "name": first(h, "Customer")}, ("Customer",)
	),
	"crm_suite.analytics.orders.make_sales_order": Case(
		lambda w, h: {"source_name": first(h, "Opportunity")}, ("Opportunity",)
	),
	"crm_suite.analytics.rfm.enqueue_rfm": Case(lambda w, h: {}),
}


# The document a controller method is called on: the world's segment (the caller's own), Administrator's
# Data Import (no caller may read it).
CONTROLLER_DOCS = {
	"Segment": lambda w: ("Segment", w.segment),
	"BulkDataImport": lambda w: ("Data Import", w.data_import),
}


def app_methods() -> dict[str, Callable]:
	"""Every function and controller method of the app registered by @frappe.whitelist."""
	import_app_modules()
	found = {}
	for fn in frappe.whitelisted:
		module = getattr(fn, "__module__", "") or ""
		if module == "crm_suite" or module.startswith("crm_suite."):
			found[f"{module}.{fn.__qualname__}"] = fn
	return found


def app_reports() -> list[str]:
	root = Path(crm_suite.__file__).parent
	return sorted(
		json.loads(p.read_text())["name"]
		for p in root.glob("*/report/*/*.json")
		if json.loads(p.read_text()).get("report_type") == "Script Report"
	)


def test_every_method_has_sample_arguments():
	missing = sorted(set(app_methods()) - {k.split("#")[0] for k in METHODS})
	assert not missing, (
		f"Add sample arguments for {missing} to METHODS in {__file__} (the trust test calls every "
		"whitelisted method as each kind of caller)"
	)
	assert len(app_reports()) >= 14


def invoke(cmd: str, args: dict, world, case: Case | None = None):
	"""The method as Frappe's handler dispatches it (override_whitelisted_methods, whitelist and guest
	checks, HTTP method), as the session user. Returns ("ok", answer) or ("refused", exception class)."""
	cmd = cmd.split("#")[0]
	fn = app_methods()[cmd]
	frappe.local.form_dict = frappe._dict(args, cmd=cmd)
	methods = frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["GET", "POST"]
	case = case or METHODS.get(cmd) or Case(lambda w, h: {})
	http_request("POST" if "POST" in methods else methods[0], headers=case.headers, body=case.body)
	frappe.local.response = frappe._dict(docs=[])
	frappe.local.message_log = []
	try:
		frappe.db.savepoint("trust_call")
		if "." in fn.__qualname__:  # a controller method: run_doc_method on a document of the world
			dt, dn = CONTROLLER_DOCS[fn.__qualname__.split(".")[0]](world)
			frappe.local.form_dict.update(dt=dt, dn=dn)
			answer = run_doc_method(method=fn.__name__, dt=dt, dn=dn)
			answer = frappe.local.response.get("message", answer)  # (the document itself is the world's)
		else:
			frappe.is_whitelisted(fn)
			is_valid_http_method(fn)
			answer = frappe.call(fn, **args)
		if isinstance(answer, frappe.model.document.Document):
			answer = answer.as_dict()
		if isinstance(answer, dict):
			answer = {k: v for k, v in answer.items() if k != "now"}  # the time of the call
		return ("ok", json.loads(json.dumps(answer, default=str, sort_keys=True)))
	except REFUSALS as e:
		frappe.db.rollback(save_point="trust_call")
		return ("refused", type(e).__name__)
	except frappe.ValidationError as e:
		frappe.db.rollback(save_point="trust_call")
		return ("invalid", type(e).__name__)
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()


def run_report(name: str):
	from frappe.desk.query_report import run

	frappe.local.message_log = []
	try:
		frappe.db.savepoint("trust_report")
		out = run(name, filters=json.dumps(REPORT_FILTERS.get(name, {})), ignore_prepared_report=True)
		keep = {k: out.get(k) for k in ("result", "chart", "report_summary", "message")}
		return ("ok", json.loads(json.dumps(keep, default=str, sort_keys=True)))
	except frappe.PermissionError as e:
		frappe.db.rollback(save_point="trust_report")
		return ("refused", type(e).__name__)
	except frappe.ValidationError as e:  # "Must have report permission to access this report."
		frappe.db.rollback(save_point="trust_report")
		return ("invalid", str(e)[:80])


def app_fixtures(doctype_file: str) -> list[dict]:
	return json.loads((Path(crm_suite.__file__).parent / "fixtures" / doctype_file).read_text())


def run_card_or_chart(kind: str, name: str):
	"""A Number Card (its figure, as the desk asks Frappe for it) or a Dashboard Chart (its data)."""
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get as chart_data
	from frappe.desk.doctype.number_card.number_card import get_result

	frappe.local.message_log = []
	try:
		frappe.db.savepoint("trust_card")
		if kind == "card":
			card = frappe.get_doc("Number Card", name)
			out = get_result(card.as_json(), card.filters_json)
		else:
			out = chart_data(chart_name=name, refresh=1)
		return ("ok", json.loads(json.dumps(out, default=str, sort_keys=True)))
	except frappe.PermissionError as e:
		frappe.db.rollback(save_point="trust_card")
		return ("refused", type(e).__name__)


# Filters a report needs (others run without any).
REPORT_FILTERS = {
	"Cohort Retention": {"months": 12},
	"Frequently Bought Together": {"min_support": 0.0001},
	"Stage Velocity": {"document_type": "Lead"},
}


def answers(world, hidden) -> dict:
	out = {}
	for cmd, case in METHODS.items():
		if case.on_hidden or not case.stable:
			continue
		out[cmd] = invoke(cmd, case.args(world, hidden), world, case)
	for report in app_reports():
		out[f"report:{report}"] = run_report(report)
	# the CRM dashboard: Document Type number cards (the Custom one is a method above) and charts
	for card in app_fixtures("number_card.json"):
		if card["type"] == "Document Type":
			out[f"card:{card['name']}"] = run_card_or_chart("card", card["name"])
	for chart in app_fixtures("dashboard_chart.json"):
		out[f"chart:{chart['name']}"] = run_card_or_chart("chart", chart["name"])
	return out


def make_segment() -> tuple[str, str]:
	segment = frappe.get_doc(
		{
			"doctype": "Segment",
			"segment_name": unique("Segment "),
			"based_on": "Lead",
			"segment_type": "Filter Conditions",
			"conditions": [{"fieldname": "status", "operator": "!=", "value": "x"}],
		}
	).insert()
	return "Segment", segment.name


def make_data_import() -> tuple[str, str]:
	"""Administrator's (none of the callers may read it)."""
	data_import = frappe.get_doc(
		{"doctype": "Data Import", "reference_doctype": "Lead", "import_type": "Insert New Records"}
	).insert()
	return "Data Import", data_import.name


@pytest.fixture(scope="module")
def shared_world(site):
	"""The world (with a segment and a data import), built and committed once for the module: each test
	plants its hidden records and rolls them back; none changes the world's own records."""
	with committed_world(segment=make_segment, data_import=make_data_import) as world:
		yield world


@pytest.fixture
def world(shared_world):
	return frappe._dict(shared_world)


@pytest.mark.parametrize(
	"caller",
	["guest", "portal user of customer A", "own-records Sales User", "Sales Manager limited to customer A"],
)
def test_nothing_outside_the_callers_permissions_comes_back(world, caller):
	user = world.callers[caller]
	frappe.set_user(user)
	before = answers(world, {})
	hidden = plant_hidden(world, user)
	assert hidden, "nothing planted is hidden from this caller: the test would prove nothing"
	frappe.set_user(user)
	after = answers(world, hidden)
	changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
	assert not changed, f"{caller}: records they may not read changed what they get: {changed}"

	secret = markers(hidden)
	frappe.set_user(user)
	leaks, accepted = {}, {}
	for cmd, case in METHODS.items():
		if case.on_hidden and not any(hidden.get(d) for d in case.on_hidden):
			continue  # nothing of that doctype is hidden from this caller
		outcome = invoke(cmd, case.args(world, hidden), world, case)
		if (case.on_hidden or case.forged) and outcome[0] != "refused":
			accepted[cmd] = outcome
		text = json.dumps(outcome)
		if found := [s for s in secret if s in text]:
			leaks[cmd] = found
		frappe.set_user(user)
	if user == GUEST:
		for cmd, outcome in before.items():
			if ":" not in cmd and app_methods()[cmd.split("#")[0]] not in frappe.guest_methods:
				assert outcome[0] == "refused", f"Guest called {cmd}: {outcome}"
	assert not accepted, f"{caller}: calls on records they may not read were not refused: {accepted}"
	assert not leaks, f"{caller}: hidden records came back: {leaks}"
