# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Win/Loss Analysis: closed opportunities, won against lost, by the sales stage they had reached when
they closed and by lost reason. Two GROUP BYs."""

import frappe
from frappe import _

from crm_suite.crm import money
from crm_suite.sales.report_filters import percent, where


@frappe.read_only()
def execute(filters=None):
	by_stage, by_reason = data(filters or {})
	return money.in_reporting_currency(
		(columns(), by_stage + by_reason, None, chart(by_stage)), "Opportunity"
	)


def columns():
	return [
		{"fieldname": "dimension", "label": _("By"), "fieldtype": "Data", "width": 120},
		{"fieldname": "value", "label": _("Stage / Lost Reason"), "fieldtype": "Data", "width": 180},
		{"fieldname": "won", "label": _("Won"), "fieldtype": "Int", "width": 80},
		{"fieldname": "lost", "label": _("Lost"), "fieldtype": "Int", "width": 80},
		{"fieldname": "win_rate", "label": _("Win Rate %"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "won_amount", "label": _("Won Amount"), "fieldtype": "Currency", "width": 150},
		{"fieldname": "lost_amount", "label": _("Lost Amount"), "fieldtype": "Currency", "width": 150},
		{"fieldname": "share_of_lost", "label": _("Share of Lost %"), "fieldtype": "Percent", "width": 130},
	]


def data(filters: dict) -> tuple[list[dict], list[dict]]:
	w = where(filters, "o", "closed_on", "opportunity_owner", date_is_datetime=False)
	closed = f"o.status in ('Won', 'Lost') and {w.sql}"
	stages = frappe.db.sql(
		f"""select ifnull(o.sales_stage, '') as value, ifnull(s.stage_order, 999) as stage_order,
			sum(o.status = 'Won') as won, sum(o.status = 'Lost') as lost,
			sum(if(o.status = 'Won', o.base_amount, 0)) as won_amount, sum(if(o.status = 'Lost', o.base_amount, 0)) as lost_amount
		from `tabOpportunity` o left join `tabSales Stage` s on s.name = o.sales_stage
		where {closed} group by o.sales_stage, s.stage_order order by stage_order""",
		w.params,
		as_dict=True,
	)
	reasons = frappe.db.sql(
		f"""select ifnull(o.lost_reason, '') as value, count(*) as lost, sum(o.base_amount) as lost_amount
		from `tabOpportunity` o where o.status = 'Lost' and {w.sql}
		group by o.lost_reason order by lost desc""",
		w.params,
		as_dict=True,
	)
	total_lost = sum(r.lost for r in reasons)
	by_stage = [
		{
			"dimension": _("Stage"),
			"value": _(r.value) if r.value else _("Not Set"),  # a shipped stage name is translated
			"won": int(r.won or 0),
			"lost": int(r.lost or 0),
			"win_rate": percent(r.won or 0, (r.won or 0) + (r.lost or 0)),
			"won_amount": r.won_amount or 0,
			"lost_amount": r.lost_amount or 0,
			"share_of_lost": percent(r.lost or 0, total_lost),
		}
		for r in stages
	]
	by_reason = [
		{
			"dimension": _("Lost Reason"),
			"value": _(r.value) if r.value else _("Not Set"),
			"lost": int(r.lost),
			"lost_amount": r.lost_amount or 0,
			"share_of_lost": percent(r.lost, total_lost),
		}
		for r in reasons
	]
	return by_stage, by_reason


def chart(by_stage):
	return {
		"data": {
			"labels": [r["value"] for r in by_stage],
			"datasets": [
				{"name": _("Won"), "values": [r["won"] for r in by_stage]},
				{"name": _("Lost"), "values": [r["lost"] for r in by_stage]},
			],
		},
		"type": "bar",
		"colors": ["#29cd42", "#ff5858"],
	}
