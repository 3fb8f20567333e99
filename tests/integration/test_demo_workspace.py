"""Day one: after the small demo and its nightly jobs, every report, number card and chart of the CRM
workspace shows data with real labels, for a CRM Manager (not Administrator). The workspace's own
definition (fixtures) lists what is checked, so a report added to it must show data here too."""

import json

import frappe
import pytest
from frappe.utils import add_months, get_first_day, get_last_day, today

from crm_suite.analytics import basket, rfm
from crm_suite.sales import scoring
from crm_suite.setup.demo import make_demo
from tests.integration.factories import make_user


def _report_filters() -> dict[str, dict]:
	"""Each workspace report's filters as its desk form opens it (the defaults in its .js)."""
	t = today()
	year = {"from_date": add_months(t, -12), "to_date": t}
	quarter = {"from_date": add_months(t, -3), "to_date": t}
	return {
		"Cohort Retention": {"from_date": add_months(get_first_day(t), -11), "to_date": t, "months": 12},
		"Frequently Bought Together": {"min_support": 0.0001, "min_confidence": 0.1, "min_lift": 1},
		"RFM Segmentation": {},
		"Campaign Effectiveness": {},
		"Lead Conversion Time": year,
		"Lead Source Effectiveness": year,
		"Pipeline Forecast": {"from_date": get_first_day(t), "to_date": get_last_day(add_months(t, 5))},
		"Sales Funnel": year,
		"Stage Velocity": {"record_type": "Lead", **year},
		"Win Loss Analysis": year,
		"Customer Satisfaction Trend": year,
		"SLA Compliance": {"group_by": "Priority", **quarter},
		"Ticket Backlog Aging": {},
		"Ticket Response Time by Agent": quarter,
	}


def _real(label) -> bool:
	text = str(label if label is not None else "").strip()
	return bool(text) and text.lower() not in ("null", "none", "undefined", "not specified")


def test_after_the_demo_the_workspace_shows_data_with_real_labels():
	"""One demo (about 10 s) for every check; rolled back afterwards."""
	make_demo(seed=11, scale="small")
	# The nightly jobs the demo command runs, without their commits (the test is rolled back).
	rfm.compute_rfm()
	basket.compute_rules()
	scoring.score_open_leads()
	demo_fills_the_customer_analytics()
	cross_sell_names_products()
	workspace = frappe.get_doc("Workspace", "CRM")
	frappe.set_user(make_user("CRM Manager").name)
	every_workspace_report_shows_data_with_real_labels(workspace)
	every_workspace_chart_has_real_labels(workspace)
	every_workspace_number_card_has_a_figure(workspace)


def every_workspace_report_shows_data_with_real_labels(workspace):
	from frappe.desk.query_report import run

	filters = _report_filters()
	reports = [link.link_to for link in workspace.links if link.type == "Link" and link.link_type == "Report"]
	assert len(reports) >= 10
	assert not set(reports) - set(filters), "a workspace report without filters in this test"
	for report in reports:
		out = run(report, filters=filters[report])
		rows = [r for r in out["result"] if r and not (isinstance(r, dict) and r.get("is_total_row"))]
		assert rows, f"{report} is empty after the demo"
		# the rows' labels: the first text column (a segment, stage, source, agent...) names every row
		columns = [
			c if isinstance(c, dict) else {"fieldname": str(c), "fieldtype": "Data"} for c in out["columns"]
		]
		label = next((c for c in columns if c.get("fieldtype") in ("Data", "Link", "Select")), None)
		if label and isinstance(rows[0], dict):
			unnamed = [r for r in rows if not _real(r.get(label["fieldname"]))]
			assert not unnamed, f"{report}: rows without a {label['fieldname']}: {unnamed[:3]}"
		chart = out.get("chart")
		if chart:
			labels = chart["data"]["labels"]
			assert labels and all(_real(label) for label in labels), f"{report}: {labels}"
			assert any(any(v for v in ds["values"]) for ds in chart["data"]["datasets"]), report


def every_workspace_chart_has_real_labels(workspace):
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get

	charts = [c.chart_name for c in workspace.charts]
	assert len(charts) == 4
	for name in charts:
		data = get(chart_name=name, refresh=1)
		assert data and data["labels"], f"{name} is empty after the demo"
		assert all(_real(label) for label in data["labels"]), f"{name}: {data['labels']}"
		assert sum(data["datasets"][0]["values"]) > 0, name


def every_workspace_number_card_has_a_figure(workspace):
	from frappe.desk.doctype.number_card.number_card import get_result

	cards = [c.number_card_name for c in workspace.number_cards]
	assert len(cards) == 4
	for name in cards:
		card = frappe.get_doc("Number Card", name)
		if card.type == "Custom":
			value = frappe.get_attr(card.method)()["value"]
			assert value is not None and value >= 0, name  # SLA breaches today: 0 is a real figure
		else:
			value = get_result(card, json.loads(card.filters_json or "[]"))
			assert value and value > 0, f"{name} shows nothing after the demo"


def demo_fills_the_customer_analytics():
	scored = frappe.get_all(
		"Customer",
		filters={"rfm_segment": ["is", "set"], "customer_name": ["like", "%"]},
		fields=["rfm_segment", "loyalty_tier"],
	)
	assert len({r.rfm_segment for r in scored}) >= 5, "segments from the demo's orders"
	assert any(r.loyalty_tier for r in scored)
	assert frappe.db.count("Customer", {"churn_risk": 1}) > 0
	# The bulk-written orders are in the per-customer totals the nightly RFM job reads.
	assert (
		frappe.db.sql(
			"""select count(*) from `tabCustomer Order Summary` s
		join (select customer, count(*) n from `tabSales Order` where docstatus = 1 and is_return = 0
			group by customer) o on o.customer = s.customer and o.n = s.order_count"""
		)[0][0]
		== frappe.db.sql(
			"select count(distinct customer) from `tabSales Order` where docstatus = 1 and is_return = 0"
		)[0][0]
	)


def cross_sell_names_products():
	product_names = dict(frappe.get_all("Product", fields=["name", "item_name"], as_list=True))
	# the demo's latest buyers (not the site's newest customers: a benchmark may have seeded some without orders)
	buyers = frappe.get_all(
		"Sales Order",
		filters={"docstatus": 1, "is_return": 0},
		fields=["customer"],
		group_by="customer",
		order_by="max(transaction_date) desc",
		limit=60,
		pluck="customer",
	)
	for customer in buyers:
		rows = basket.get_cross_sell("Customer", customer)
		if rows:
			for row in rows:
				assert row.item_name == product_names[row.product]
				because = row.because_of.split("; ")
				assert because and all(b in product_names.values() for b in because), because
			return
	pytest.fail("no demo customer has a cross-sell suggestion")
