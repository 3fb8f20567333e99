# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Lead Source Effectiveness: per source, leads, converted leads and conversion rate, opportunities, won
opportunities and won revenue. Two GROUP BYs: leads by source, and opportunities by their source (copied
from the lead when it is converted); the date, owner and campaign filters apply to each's own fields."""

import frappe
from frappe import _

from crm_suite.crm import money
from crm_suite.sales.report_filters import percent, where


@frappe.read_only()
def execute(filters=None):
	rows = data(filters or {})
	return money.in_reporting_currency((columns(), rows, None, chart(rows)), "Opportunity")


def columns():
	return [
		{
			"fieldname": "source",
			"label": _("Source"),
			"fieldtype": "Link",
			"options": "Lead Source",
			"width": 160,
		},
		{"fieldname": "leads", "label": _("Leads"), "fieldtype": "Int", "width": 100},
		{"fieldname": "converted", "label": _("Converted"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "conversion_rate",
			"label": _("Conversion Rate %"),
			"fieldtype": "Percent",
			"width": 140,
		},
		{
			"fieldname": "average_score",
			"label": _("Average Lead Score"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 150,
		},
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int", "width": 120},
		{"fieldname": "won", "label": _("Won"), "fieldtype": "Int", "width": 80},
		{"fieldname": "win_rate", "label": _("Win Rate %"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "won_revenue", "label": _("Won Revenue"), "fieldtype": "Currency", "width": 150},
	]


def data(filters: dict) -> list[dict]:
	w = where(filters, "l", "creation", "lead_owner")
	leads = frappe.db.sql(
		f"""select ifnull(l.source, '') as source, count(*) as leads, sum(l.status = 'Converted') as converted,
			avg(l.lead_score) as average_score
		from `tabLead` l where {w.sql} group by ifnull(l.source, '')""",
		w.params,
		as_dict=True,
	)
	# Opportunities carry their lead's source (and campaign) from the conversion, so they are counted by
	# their own source, creation date and owner: an index-only scan, no join to a million leads.
	ow = where(filters, "o", "creation", "opportunity_owner")
	opportunities = {
		r.source: r
		for r in frappe.db.sql(
			f"""select ifnull(o.source, '') as source, count(*) as opportunities, sum(o.status = 'Won') as won,
				sum(o.status in ('Won', 'Lost')) as closed, sum(if(o.status = 'Won', o.base_amount, 0)) as won_revenue
			from `tabOpportunity` o where {ow.sql} group by ifnull(o.source, '')""",
			ow.params,
			as_dict=True,
		)
	}
	rows = []
	for lead in leads:
		opp = opportunities.get(lead.source) or frappe._dict()
		rows.append(
			{
				"source": lead.source,
				"leads": lead.leads,
				"converted": int(lead.converted or 0),
				"conversion_rate": percent(lead.converted or 0, lead.leads),
				"average_score": lead.average_score,
				"opportunities": int(opp.opportunities or 0),
				"won": int(opp.won or 0),
				"win_rate": percent(opp.won or 0, opp.closed or 0),
				"won_revenue": opp.won_revenue or 0,
			}
		)
	rows.sort(key=lambda r: (-r["won_revenue"], -r["leads"]))
	return rows


def chart(rows):
	return {
		"data": {
			"labels": [r["source"] or _("Not Set") for r in rows],
			"datasets": [{"name": _("Conversion Rate %"), "values": [r["conversion_rate"] for r in rows]}],
		},
		"type": "bar",
	}
