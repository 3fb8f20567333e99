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
from frappe.utils import get_datetime

from crm_suite.crm import money
from crm_suite.sales.report_filters import Where, percent, where

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
	return money.in_reporting_currency((columns(), rows, None, chart(rows), summary(rows)), "Opportunity")


def columns():
	return [
		{"fieldname": "stage", "label": _("Stage"), "fieldtype": "Data", "width": 180},
		{"fieldname": "count", "label": _("Count"), "fieldtype": "Int", "width": 110},
		{"fieldname": "value", "label": _("Value"), "fieldtype": "Currency", "width": 150},
		{
			"fieldname": "conversion_rate",
			"label": _("Conversion from Previous %"),
			"fieldtype": "Percent",
			"width": 200,
		},
		{"fieldname": "drop_off", "label": _("Drop-off"), "fieldtype": "Int", "width": 110},
		{"fieldname": "drop_off_rate", "label": _("Drop-off %"), "fieldtype": "Percent", "width": 110},
		{
			"fieldname": "overall_rate",
			"label": _("Conversion from Top %"),
			"fieldtype": "Percent",
			"width": 180,
		},
	]


def funnel_where(filters: dict, table: str, alias: str, owner_column: str, groups: str) -> Where:
	"""The report's filters, leaving out the date range when it covers every row the other filters
	select (the default 12-month range on a younger site): the count is then a plain index-only scan in
	group order, at the database's own speed, instead of comparing each index entry's date. The span is
	read from the same index (MIN/MAX per group: a loose index scan, a few index dives)."""
	with_dates = where(filters, alias, "creation", owner_column)
	if not (filters.get("from_date") or filters.get("to_date")):
		return with_dates
	rest = where(
		{k: v for k, v in filters.items() if k not in ("from_date", "to_date")},
		alias,
		"creation",
		owner_column,
	)
	first, last = frappe.db.sql(
		f"""select min(g.first), max(g.last) from (select min({alias}.creation) as first,
			max({alias}.creation) as last from `{table}` {alias} where {rest.sql} group by {groups}) g""",
		rest.params,
	)[0]
	start, end = with_dates.params.get("from_date"), with_dates.params.get("to_date")
	covered = first is None or (
		(not start or get_datetime(first) >= get_datetime(start))
		and (not end or get_datetime(last) < get_datetime(end))
	)
	return rest if covered else with_dates


def funnel(filters: dict) -> list[dict]:
	lead_where = funnel_where(filters, "tabLead", "l", "lead_owner", "l.status")
	by_status = dict(
		frappe.db.sql(
			# no status list: MariaDB then reads the (status, creation) index in order, which measured
			# faster than a range over the statuses
			f"select l.status, count(*) from `tabLead` l where {lead_where.sql} group by l.status",
			lead_where.params,
		)
	)
	counts = [(_(label), sum(by_status.get(s, 0) for s in states), None) for label, states in LEAD_STAGES]

	opp_where = funnel_where(filters, "tabOpportunity", "o", "opportunity_owner", "o.status, o.sales_stage")
	opportunities = frappe.db.sql(
		f"""select o.status, o.sales_stage, count(*), ifnull(sum(o.base_amount), 0)
		from `tabOpportunity` o where {opp_where.sql} group by o.status, o.sales_stage""",
		opp_where.params,
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


def chart(rows):
	return {
		"data": {
			"labels": [r["stage"] for r in rows],
			"datasets": [{"name": _("Count"), "values": [r["count"] for r in rows]}],
		},
		"type": "bar",
		"colors": ["#5e64ff"],
		"barOptions": {"spaceRatio": 0.3},
	}


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
