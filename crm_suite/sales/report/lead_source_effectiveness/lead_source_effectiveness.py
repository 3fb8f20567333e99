# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Lead Source Effectiveness: per source, leads, converted leads and conversion rate, opportunities, won
opportunities and won revenue. Two GROUP BYs: leads by source, and opportunities by their source (copied
from the lead when it is converted); the date, owner and campaign filters apply to each's own fields."""

import frappe
from frappe import _
from frappe.query_builder.functions import Avg, Count, IfNull

from crm_suite.crm import money
from crm_suite.sales.report_filters import criterion, percent
from crm_suite.utils.reports import chart, column, count_if


@frappe.read_only()
def execute(filters=None):
	rows = data(filters or {})
	for row in rows:  # leads without a source are a row of their own, named as such
		row["source"] = row["source"] or _("Not Set")
	result = chart(
		[r["source"] for r in rows], {_("Conversion Rate %"): [r["conversion_rate"] for r in rows]}
	)
	return money.in_reporting_currency((columns(), rows, None, result), "Opportunity")


def columns():
	return [
		column("source", _("Source"), "Data", 160),  # a Lead Source, or "Not Set"
		column("leads", _("Leads"), "Int", 100),
		column("converted", _("Converted"), "Int", 100),
		column("conversion_rate", _("Conversion Rate %"), "Percent", 140),
		column("average_score", _("Average Lead Score"), "Float", 150, precision=1),
		column("opportunities", _("Opportunities"), "Int", 120),
		column("won", _("Won"), "Int", 80),
		column("win_rate", _("Win Rate %"), "Percent", 110),
		column("won_revenue", _("Won Revenue"), "Currency", 150),
	]


def data(filters: dict) -> list[dict]:
	lead = frappe.qb.DocType("Lead")
	source = IfNull(lead.source, "")
	leads = (
		frappe.qb.from_(lead)
		.select(
			source.as_("source"),
			Count("*").as_("leads"),
			count_if(lead.status == "Converted").as_("converted"),
			Avg(lead.lead_score).as_("average_score"),
		)
		.where(criterion(filters, lead, "creation", "lead_owner"))
		.groupby(source)
		.run(as_dict=True)
	)
	# Opportunities carry their lead's source (and campaign) from the conversion, so they are counted by
	# their own source, creation date and owner: an index-only scan, no join to a million leads.
	opp = frappe.qb.DocType("Opportunity")
	opp_source = IfNull(opp.source, "")
	opportunities = {
		r.source: r
		for r in frappe.qb.from_(opp)
		.select(
			opp_source.as_("source"),
			Count("*").as_("opportunities"),
			count_if(opp.status == "Won").as_("won"),
			count_if(opp.status.isin(["Won", "Lost"])).as_("closed"),
			count_if(opp.status == "Won", opp.base_amount).as_("won_revenue"),
		)
		.where(criterion(filters, opp, "creation", "opportunity_owner"))
		.groupby(opp_source)
		.run(as_dict=True)
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
