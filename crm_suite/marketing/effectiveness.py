"""Campaign Effectiveness: what each campaign brought in, set-based.

Per campaign: leads (Lead.campaign), opportunities (Opportunity.campaign, or its lead's campaign), won
opportunities and won revenue (sum of won opportunities' amount), cost (Campaign.actual_cost),
cost per lead = cost / leads, ROI % = (won revenue − cost) / cost × 100. Revenue and cost are in the
reporting currency: the stored `base_amount` and `base_actual_cost` (crm_suite/crm/money.py).
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Count, Date
from frappe.utils import flt, getdate
from pypika.terms import Criterion

from crm_suite.utils.permissions import readable_criterion
from crm_suite.utils.reports import count_if


def cost_per_lead(cost: float, leads: int) -> float | None:
	return flt(cost) / leads if leads else None


def roi_percent(revenue: float, cost: float) -> float | None:
	return (flt(revenue) - flt(cost)) / flt(cost) * 100 if flt(cost) else None


def get_rows(filters: dict) -> list[dict]:
	filters = frappe._dict(filters or {})
	from_date = getdate(filters.from_date) if filters.from_date else None
	to_date = getdate(filters.to_date) if filters.to_date else None
	if from_date and to_date and to_date < from_date:
		frappe.throw(_("To Date cannot be before From Date."), title=_("Invalid Dates"))
	lead, opp = frappe.qb.DocType("Lead"), frappe.qb.DocType("Opportunity")
	opp_lead, campaign = frappe.qb.DocType("Lead").as_("ld"), frappe.qb.DocType("Campaign")

	def created_in_range(table, doctype: str):
		# only the leads and opportunities the user may read count (crm_suite/utils/permissions.py)
		condition = readable_criterion(doctype, table.name)
		if from_date:
			condition &= Date(table.creation) >= from_date
		if to_date:
			condition &= Date(table.creation) <= to_date
		return condition

	leads = (
		frappe.qb.from_(lead)
		.select(lead.campaign, Count("*").as_("leads"))
		.where(lead.campaign.notnull() & created_in_range(lead, "Lead"))
		.groupby(lead.campaign)
	).as_("l")
	opp_campaign = Coalesce(opp.campaign, opp_lead.campaign)
	won = opp.status == "Won"
	opportunities = (
		frappe.qb.from_(opp)
		.left_join(opp_lead)
		.on(opp_lead.name == opp.lead)
		.select(
			opp_campaign.as_("campaign"),
			Count("*").as_("opportunities"),
			count_if(won).as_("won"),
			count_if(won, opp.base_amount).as_("won_revenue"),
		)
		.where(opp_campaign.notnull() & created_in_range(opp, "Opportunity"))
		.groupby(opp_campaign)
	).as_("o")
	condition = Criterion.all(
		[
			campaign[key if key != "campaign" else "name"] == filters[key]
			for key in ("campaign", "channel", "status")
			if filters.get(key)
		]
	)
	won_revenue, lead_count = Coalesce(opportunities.won_revenue, 0), Coalesce(leads.leads, 0)
	rows = (
		frappe.qb.from_(campaign)
		.left_join(leads)
		.on(leads.campaign == campaign.name)
		.left_join(opportunities)
		.on(opportunities.campaign == campaign.name)
		.select(
			campaign.name.as_("campaign"),
			campaign.campaign_name,
			campaign.channel,
			campaign.status,
			Coalesce(campaign.base_actual_cost, 0).as_("cost"),
			lead_count.as_("leads"),
			Coalesce(opportunities.opportunities, 0).as_("opportunities"),
			Coalesce(opportunities.won, 0).as_("won"),
			won_revenue.as_("won_revenue"),
		)
		.where(condition)
		.orderby(won_revenue, order=frappe.qb.desc)
		.orderby(lead_count, order=frappe.qb.desc)
		.orderby(campaign.name)
		.run(as_dict=True)
	)
	for r in rows:
		r.cost_per_lead = cost_per_lead(r.cost, r.leads)
		r.roi = roi_percent(r.won_revenue, r.cost)
	return rows
