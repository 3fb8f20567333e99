# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Lead Conversion Time: mean and median days from lead to opportunity, opportunity to won and lead to
won, by the lead's source. One query over opportunities joined to their leads; medians with MariaDB's
MEDIAN() window function."""

import frappe
from frappe import _

from crm_suite.sales.report_filters import where


@frappe.read_only()
def execute(filters=None):
	rows = data(filters or {})
	return columns(), rows, None, chart(rows)


def columns():
	return [
		{
			"fieldname": "source",
			"label": _("Source"),
			"fieldtype": "Link",
			"options": "Lead Source",
			"width": 160,
		},
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int", "width": 120},
		{"fieldname": "won", "label": _("Won"), "fieldtype": "Int", "width": 80},
		{
			"fieldname": "mean_lead_to_opportunity",
			"label": _("Lead → Opportunity, Mean Days"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 210,
		},
		{
			"fieldname": "median_lead_to_opportunity",
			"label": _("Lead → Opportunity, Median Days"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 220,
		},
		{
			"fieldname": "mean_opportunity_to_won",
			"label": _("Opportunity → Won, Mean Days"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 210,
		},
		{
			"fieldname": "median_opportunity_to_won",
			"label": _("Opportunity → Won, Median Days"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 220,
		},
		{
			"fieldname": "mean_lead_to_won",
			"label": _("Lead → Won, Mean Days"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 180,
		},
		{
			"fieldname": "median_lead_to_won",
			"label": _("Lead → Won, Median Days"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 190,
		},
	]


def data(filters: dict) -> list[dict]:
	w = where(filters, "l", "creation", "lead_owner")
	return frappe.db.sql(
		f"""
		select distinct source, opportunities, won,
			mean_lead_to_opportunity, median(lead_to_opportunity) over (partition by source) as median_lead_to_opportunity,
			mean_opportunity_to_won, median(opportunity_to_won) over (partition by source) as median_opportunity_to_won,
			mean_lead_to_won, median(lead_to_won) over (partition by source) as median_lead_to_won
		from (
			select t.*,
				count(*) over (partition by source) as opportunities,
				count(opportunity_to_won) over (partition by source) as won,
				avg(lead_to_opportunity) over (partition by source) as mean_lead_to_opportunity,
				avg(opportunity_to_won) over (partition by source) as mean_opportunity_to_won,
				avg(lead_to_won) over (partition by source) as mean_lead_to_won
			from (
				select ifnull(l.source, '') as source,
					timestampdiff(second, l.creation, o.creation) / 86400 as lead_to_opportunity,
					if(o.status = 'Won', timestampdiff(second, o.creation, o.closed_on) / 86400, null) as opportunity_to_won,
					if(o.status = 'Won', timestampdiff(second, l.creation, o.closed_on) / 86400, null) as lead_to_won
				from `tabOpportunity` o join `tabLead` l on l.name = o.lead
				where {w.sql}
			) t
		) s
		order by opportunities desc, source
		""",
		w.params,
		as_dict=True,
	)


def chart(rows):
	return {
		"data": {
			"labels": [r.source or _("Not Set") for r in rows],
			"datasets": [
				{
					"name": _("Lead → Opportunity (median days)"),
					"values": [r.median_lead_to_opportunity or 0 for r in rows],
				},
				{
					"name": _("Opportunity → Won (median days)"),
					"values": [r.median_opportunity_to_won or 0 for r in rows],
				},
			],
		},
		"type": "bar",
	}
