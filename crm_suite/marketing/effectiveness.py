"""Campaign Effectiveness: what each campaign brought in, set-based.

Per campaign: leads (Lead.campaign), opportunities (Opportunity.campaign, or its lead's campaign), won
opportunities and won revenue (sum of won opportunities' amount), cost (Campaign.actual_cost),
cost per lead = cost / leads, ROI % = (won revenue − cost) / cost × 100. Revenue and cost are in the
reporting currency: the stored `base_amount` and `base_actual_cost` (crm_suite/crm/money.py).
"""

import frappe
from frappe import _
from frappe.utils import flt, getdate

from crm_suite.utils.permissions import readable_condition


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
	values = {"from_date": from_date, "to_date": to_date}
	lead_dates = opp_dates = ""
	if from_date:
		lead_dates += " and date(l.creation) >= %(from_date)s"
		opp_dates += " and date(o.creation) >= %(from_date)s"
	if to_date:
		lead_dates += " and date(l.creation) <= %(to_date)s"
		opp_dates += " and date(o.creation) <= %(to_date)s"
	# only the leads and opportunities the user may read count (crm_suite/utils/permissions.py)
	lead_dates += " and " + readable_condition("Lead", "l.`name`")
	opp_dates += " and " + readable_condition("Opportunity", "o.`name`")
	where = []
	for key in ("campaign", "channel", "status"):
		if filters.get(key):
			where.append(f"c.{'name' if key == 'campaign' else key} = %({key})s")
			values[key] = filters[key]
	rows = frappe.db.sql(
		f"""
		select c.name as campaign, c.campaign_name, c.channel, c.status,
			coalesce(c.base_actual_cost, 0) as cost,
			coalesce(l.leads, 0) as leads,
			coalesce(o.opportunities, 0) as opportunities,
			coalesce(o.won, 0) as won,
			coalesce(o.won_revenue, 0) as won_revenue
		from `tabCampaign` c
		left join (
			select l.campaign, count(*) as leads from `tabLead` l
			where l.campaign is not null {lead_dates} group by l.campaign
		) l on l.campaign = c.name
		left join (
			select coalesce(o.campaign, ld.campaign) as campaign, count(*) as opportunities,
				sum(o.status = 'Won') as won,
				sum(case when o.status = 'Won' then o.base_amount else 0 end) as won_revenue
			from `tabOpportunity` o left join `tabLead` ld on ld.name = o.lead
			where coalesce(o.campaign, ld.campaign) is not null {opp_dates}
			group by coalesce(o.campaign, ld.campaign)
		) o on o.campaign = c.name
		{"where " + " and ".join(where) if where else ""}
		order by won_revenue desc, leads desc, c.name""",
		values,
		as_dict=True,
	)
	for r in rows:
		r.cost_per_lead = cost_per_lead(r.cost, r.leads)
		r.roi = roi_percent(r.won_revenue, r.cost)
	return rows
