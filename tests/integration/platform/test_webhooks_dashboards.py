"""The shipped example webhooks (disabled) and the CRM dashboard's number cards and charts."""

import json
import re
from pathlib import Path

import frappe
import pytest
from frappe.integrations.doctype.webhook.webhook import get_context, get_webhook_data
from frappe.utils import add_to_date, get_datetime, nowdate

from crm_suite.api.dashboards import count_sla_breaches_on, sla_breaches_today
from tests.integration.factories import (
	make_customer,
	make_lead,
	make_opportunity,
	make_ticket,
	make_user,
	unique,
)

WEBHOOKS = ("CRM Lead Created", "CRM Opportunity Won", "CRM Ticket SLA Breached")
CARDS = ("Open Leads", "Pipeline Value", "SLA Breaches Today", "At-Risk Customers")
CHARTS = ("Leads by Source", "Pipeline by Stage", "Tickets by Status", "Revenue by Segment")


def condition_met(webhook, doc) -> bool:
	return (
		bool(frappe.safe_eval(webhook.condition, eval_locals=get_context(doc))) if webhook.condition else True
	)


def documented_payloads() -> dict[str, dict]:
	"""The example payloads of docs/platform.md ("Payloads:"), by event."""
	text = (Path(__file__).resolve().parents[3] / "docs" / "platform.md").read_text()
	block = re.search(r"Payloads:\s*```json\n(.*?)```", text, re.S)
	assert block, "docs/platform.md documents no webhook payloads"
	payloads = [json.loads(chunk) for chunk in block[1].strip().split("\n\n")]
	return {p["event"]: p for p in payloads}


def assert_documented(payload: dict) -> None:
	documented = documented_payloads()[payload["event"]]
	assert set(payload) == set(documented), (
		f"docs/platform.md and the webhook differ: {set(payload) ^ set(documented)}"
	)


def test_example_webhooks_are_shipped_disabled():
	shipped = json.loads(Path(frappe.get_app_path("crm_suite", "fixtures", "webhook.json")).read_text())
	assert {w["name"] for w in shipped} == set(WEBHOOKS) and not any(w["enabled"] for w in shipped)
	assert set(documented_payloads()) == {"lead.created", "opportunity.won", "ticket.sla_breached"}
	for name in WEBHOOKS:
		webhook = frappe.get_doc("Webhook", name)
		assert webhook.enabled == 0, name
		assert webhook.request_structure == "JSON" and webhook.request_url.startswith("https://")
		assert {h.key for h in webhook.webhook_headers} == {"Content-Type", "X-CRM-Event"}


def test_lead_created_payload():
	webhook = frappe.get_doc("Webhook", "CRM Lead Created")
	lead = make_lead(company_name='Quote "Co"')
	payload = get_webhook_data(lead, webhook)
	assert payload["event"] == "lead.created" and payload["lead"] == lead.name
	assert payload["email_id"] == lead.email_id and payload["company_name"] == 'Quote "Co"'
	assert webhook.webhook_docevent == "after_insert" and condition_met(webhook, lead)
	assert_documented(payload)


def test_opportunity_won_fires_only_when_the_status_turns_won():
	webhook = frappe.get_doc("Webhook", "CRM Opportunity Won")
	opp = make_opportunity(amount=4321)
	before = frappe.copy_doc(opp)
	before.name = opp.name
	opp._doc_before_save = before
	assert not condition_met(webhook, opp)  # still open
	opp.status = "Won"
	assert condition_met(webhook, opp)
	before.status = "Won"
	assert not condition_met(webhook, opp)  # already won: saving again sends nothing
	payload = get_webhook_data(opp, webhook)
	assert payload["event"] == "opportunity.won" and payload["opportunity"] == opp.name
	assert payload["amount"] == 4321
	assert_documented(payload)


def test_ticket_breached_fires_on_the_escalation_alert():
	webhook = frappe.get_doc("Webhook", "CRM Ticket SLA Breached")
	ticket = make_ticket(priority="High", raised_by=f"{unique()}@example.com")
	manager = make_user("Support Manager")
	alert = frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": manager.name,
			"type": "Alert",
			"document_type": "Ticket",
			"document_name": ticket.name,
			"subject": "breached",
		}
	)
	assert condition_met(webhook, alert)
	payload = get_webhook_data(alert, webhook)
	assert payload["event"] == "ticket.sla_breached" and payload["ticket"] == ticket.name
	assert payload["priority"] == "High" and payload["escalated_to"] == manager.name
	assert payload["raised_by"] == ticket.raised_by
	assert_documented(payload)
	assignment = frappe.get_doc(dict(alert.as_dict(), type="Assign"))
	assert not condition_met(webhook, assignment)


# ------------------------------------------------------------------ dashboards
def card_value(name):
	from frappe.desk.doctype.number_card.number_card import get_result

	card = frappe.get_doc("Number Card", name)
	if card.type == "Custom":
		return frappe.get_attr(card.method)()["value"]
	return get_result(card.as_json(), card.filters_json)


def chart_data(name):
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get

	data = get(chart_name=name, refresh=1)
	if data is None:  # Frappe's answer for a chart without any data
		return {}
	return dict(zip(data["labels"], data["datasets"][0]["values"], strict=True))


def test_dashboard_ships_the_cards_and_charts():
	dashboard = frappe.get_doc("Dashboard", "CRM")
	assert [c.card for c in dashboard.cards] == list(CARDS)
	assert [c.chart for c in dashboard.charts] == list(CHARTS)
	for name in CARDS:
		assert frappe.db.get_value("Number Card", name, "is_public") == 1
	for name in CHARTS:
		assert frappe.db.get_value("Dashboard Chart", name, "is_public") == 1


def test_open_leads_and_pipeline_value_cards_follow_the_data():
	leads, pipeline = card_value("Open Leads"), card_value("Pipeline Value")
	make_lead()
	make_opportunity(amount=1234.5)
	assert card_value("Open Leads") == leads + 1
	assert card_value("Pipeline Value") == pytest.approx(pipeline + 1234.5)


def test_at_risk_customers_card():
	before = card_value("At-Risk Customers")
	make_customer(churn_risk=1)
	make_customer(churn_risk=0)
	make_customer(churn_risk=1, disabled=1)
	assert card_value("At-Risk Customers") == before + 1


def test_sla_breaches_today_counts_the_missed_deadline_day():
	# the deadlines are minutes before noon today, not before now: in the site's first minutes after
	# midnight "two minutes ago" is yesterday (failed between 00:00 and 00:02 in the site's time zone)
	now = get_datetime(f"{nowdate()} 12:00:00")
	before = count_sla_breaches_on(now.date().isoformat())
	late_reply = make_ticket()  # response deadline missed today
	frappe.db.set_value(
		"Ticket",
		late_reply.name,
		{
			"agreement_status": "Failed",
			"response_by": add_to_date(now, minutes=-1),
			"first_responded_on": None,
			"resolution_by": add_to_date(now, days=2),
		},
	)
	answered = make_ticket()  # answered in time, resolution deadline missed today
	frappe.db.set_value(
		"Ticket",
		answered.name,
		{
			"agreement_status": "Failed",
			"response_by": add_to_date(now, minutes=-30),
			"first_responded_on": add_to_date(now, minutes=-40),
			"resolution_by": add_to_date(now, minutes=-2),
		},
	)
	old = make_ticket()  # breached yesterday
	frappe.db.set_value(
		"Ticket",
		old.name,
		{
			"agreement_status": "Failed",
			"response_by": add_to_date(now, days=-1),
			"resolution_by": add_to_date(now, minutes=-2),
		},
	)
	running = make_ticket()
	frappe.db.set_value(
		"Ticket",
		running.name,
		{"agreement_status": "Resolution Due", "resolution_by": add_to_date(now, minutes=-2)},
	)
	assert count_sla_breaches_on(now.date().isoformat()) == before + 2
	assert sla_breaches_today()["value"] == before + 2


def test_sla_card_needs_ticket_read_permission():
	frappe.set_user(make_user().name)  # a desk user without any CRM role
	with pytest.raises(frappe.PermissionError):
		sla_breaches_today()


def test_group_by_charts_follow_the_data():
	source = frappe.get_doc({"doctype": "Lead Source", "source_name": unique("Fair ")}).insert()
	make_lead(source=source.name)
	make_lead(source=source.name)
	assert chart_data("Leads by Source")[source.name] == 2

	stage = frappe.db.get_value("Sales Stage", {}, "name")
	before = chart_data("Pipeline by Stage").get(stage, 0)
	make_opportunity(amount=500, sales_stage=stage)
	assert chart_data("Pipeline by Stage")[stage] == pytest.approx(before + 500)

	before = chart_data("Tickets by Status").get("Open", 0)
	make_ticket()
	assert chart_data("Tickets by Status")["Open"] == before + 1

	segment = "Champions"
	before = chart_data("Revenue by Segment").get(segment, 0)
	customer = make_customer()
	frappe.db.set_value("Customer", customer.name, {"rfm_segment": segment, "monetary": 777})
	assert chart_data("Revenue by Segment")[segment] == pytest.approx(before + 777)
