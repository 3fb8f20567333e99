# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Sales Funnel: how many leads and opportunities reach each stage, their value, the stage-to-stage
conversion rate and the drop-off.

Lead stages come from the lead status (a lead at Qualified has passed Contacted; Converted has passed
both), opportunity stages from the Sales Stage order (an opportunity at stage k, or Won, has passed every
stage before k). Two GROUP BYs — leads by status, opportunities by status and stage — on indexed columns;
the few result rows are then accumulated here.
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Count, IfNull, Max, Min, Sum
from frappe.utils import add_days, get_datetime, getdate
from pypika.terms import Criterion

from crm_suite.crm import money
from crm_suite.sales.report_filters import criterion, percent
from crm_suite.utils.reports import chart, column

# Labels are translated when the report runs (in the user's language), not at import.
LEAD_STAGES = [
	("Leads", ("New", "Contacted", "Qualified", "Unqualified", "Converted")),
	("Contacted", ("Contacted", "Qualified", "Converted")),
	("Qualified", ("Qualified", "Converted")),
	("Converted", ("Converted",)),
]


@frappe.read_only()
def execute(filters=None):
	rows = funnel(filters or {})
	result = chart(
		[r["stage"] for r in rows],
		{_("Count"): [r["count"] for r in rows]},
		colors=["#5e64ff"],
		barOptions={"spaceRatio": 0.3},
	)
	return money.in_reporting_currency((columns(), rows, None, result, summary(rows)), "Opportunity")


def columns():
	return [
		column("stage", _("Stage"), "Data", 180),
		column("count", _("Count"), "Int", 110),
		column("value", _("Value"), "Currency", 150),
		column("conversion_rate", _("Conversion from Previous %"), "Percent", 200),
		column("drop_off", _("Drop-off"), "Int", 110),
		column("drop_off_rate", _("Drop-off %"), "Percent", 110),
		column("overall_rate", _("Conversion from Top %"), "Percent", 180),
	]


def funnel_criterion(filters: dict, table, owner_column: str, groups: list) -> Criterion:
	"""The report's filters, leaving out the date range when it covers every row the other filters
	select (the default 12-month range on a younger site): the count is then a plain index-only scan in
	group order, at the database's own speed, instead of comparing each index entry's date. The span is
	read from the same index (MIN/MAX per group: a loose index scan, a few index dives)."""
	with_dates = criterion(filters, table, "creation", owner_column)
	if not (filters.get("from_date") or filters.get("to_date")):
		return with_dates
	rest = criterion(
		{k: v for k, v in filters.items() if k not in ("from_date", "to_date")},
		table,
		"creation",
		owner_column,
	)
	spans = (
		frappe.qb.from_(table)
		.select(Min(table.creation).as_("first_on"), Max(table.creation).as_("last_on"))
		.where(rest)
		.groupby(*groups)
	)
	first, last = frappe.qb.from_(spans).select(Min(spans.first_on), Max(spans.last_on)).run()[0]
	start = filters.get("from_date") and get_datetime(getdate(filters["from_date"]))
	end = filters.get("to_date") and get_datetime(add_days(getdate(filters["to_date"]), 1))
	covered = first is None or (
		(not start or get_datetime(first) >= start) and (not end or get_datetime(last) < end)
	)
	return rest if covered else with_dates


def funnel(filters: dict) -> list[dict]:
	lead = frappe.qb.DocType("Lead")
	# no status list: MariaDB then reads the (status, creation) index in order, which measured faster than
	# a range over the statuses
	by_status = dict(
		frappe.qb.from_(lead)
		.select(lead.status, Count("*"))
		.where(funnel_criterion(filters, lead, "lead_owner", [lead.status]))
		.groupby(lead.status)
		.run()
	)
	counts = [(_(label), sum(by_status.get(s, 0) for s in states), None) for label, states in LEAD_STAGES]

	opp = frappe.qb.DocType("Opportunity")
	opportunities = (
		frappe.qb.from_(opp)
		.select(opp.status, opp.sales_stage, Count("*"), IfNull(Sum(opp.base_amount), 0))
		.where(funnel_criterion(filters, opp, "opportunity_owner", [opp.status, opp.sales_stage]))
		.groupby(opp.status, opp.sales_stage)
		.run()
	)
	stages = frappe.get_all("Sales Stage", fields=["name", "stage_order"], order_by="stage_order asc")
	order = {s.name: s.stage_order for s in stages}
	for stage in stages:
		reached = [
			(n, v)
			for status, stage_name, n, v in opportunities
			if status == "Won" or order.get(stage_name, -1) >= stage.stage_order
		]
		counts.append((_(stage.name), sum(n for n, _v in reached), sum(v for _n, v in reached)))
	won = [(n, v) for status, _s, n, v in opportunities if status == "Won"]
	counts.append((_("Won"), sum(n for n, _v in won), sum(v for _n, v in won)))

	top = counts[0][1]
	rows, previous = [], None
	for label, count, value in counts:
		row = {"stage": label, "count": count, "value": value, "overall_rate": percent(count, top)}
		if previous is not None:
			row["conversion_rate"] = percent(count, previous)
			row["drop_off"] = max(previous - count, 0)
			row["drop_off_rate"] = percent(row["drop_off"], previous)
		rows.append(row)
		previous = count
	return rows


def summary(rows):
	by_stage = {r["stage"]: r for r in rows}
	leads, won = by_stage[_("Leads")]["count"], by_stage[_("Won")]
	return [
		{"label": _("Leads"), "value": leads, "datatype": "Int", "indicator": "Blue"},
		{"label": _("Won"), "value": won["count"], "datatype": "Int", "indicator": "Green"},
		{"label": _("Won Value"), "value": won["value"], "datatype": "Currency", "indicator": "Green"},
		{
			"label": _("Lead to Won %"),
			"value": percent(won["count"], leads),
			"datatype": "Percent",
			"indicator": "Blue",
		},
	]
