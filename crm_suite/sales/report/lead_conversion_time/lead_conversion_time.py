# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Lead Conversion Time: mean and median days from lead to opportunity, opportunity to won and lead to
won, by the lead's source. One set-based query over opportunities joined to their leads (covering
indexes on both sides, `crm_suite/setup/indexes.py`); medians from ROW_NUMBER()/COUNT() windows."""

import frappe
from frappe import _

from crm_suite.sales.report_filters import where
from crm_suite.utils.permissions import readable_condition
from crm_suite.utils.reports import chart, column

# the one or two middle ranks of n ranked values
MIDDLE = "{0} in (floor(({1} + 1) / 2), ceil(({1} + 1) / 2))"


@frappe.read_only()
def execute(filters=None):
	rows = data(filters or {})
	result = chart(
		[r.source or _("Not Set") for r in rows],
		{
			_("Lead → Opportunity (median days)"): [r.median_lead_to_opportunity or 0 for r in rows],
			_("Opportunity → Won (median days)"): [r.median_opportunity_to_won or 0 for r in rows],
		},
	)
	return columns(), rows, None, result


def columns():
	days = {"fieldtype": "Float", "precision": 1}
	return [
		column("source", _("Source"), "Link", 160, options="Lead Source"),
		column("opportunities", _("Opportunities"), "Int", 120),
		column("won", _("Won"), "Int", 80),
		column("mean_lead_to_opportunity", _("Lead → Opportunity, Mean Days"), width=210, **days),
		column("median_lead_to_opportunity", _("Lead → Opportunity, Median Days"), width=220, **days),
		column("mean_opportunity_to_won", _("Opportunity → Won, Mean Days"), width=210, **days),
		column("median_opportunity_to_won", _("Opportunity → Won, Median Days"), width=220, **days),
		column("mean_lead_to_won", _("Lead → Won, Mean Days"), width=180, **days),
		column("median_lead_to_won", _("Lead → Won, Median Days"), width=190, **days),
	]


def data(filters: dict) -> list[dict]:
	"""Set-based: opportunities joined to their leads' times (index-only on both sides), then per source
	counts, means and medians. A median is the mean of the one or two middle values of a source's values
	ranked with ROW_NUMBER() (as MEDIAN()/PERCENTILE_CONT(0.5) defines it). The won-deal times are ranked
	over the won opportunities only, so each window sorts no more rows than it needs."""
	w = where(filters, "l", "creation", "lead_owner")
	# the opportunities counted are those the user may read too (the lead's rule is in `w`)
	opportunities = readable_condition("Opportunity", "o.`name`")
	joined = f"""from `tabOpportunity` o force index (crm_opp_lead_times)
		join `tabLead` l force index (crm_lead_times) on l.name = o.lead
		where {w.sql} and {opportunities}"""
	days = "timestampdiff(second, {0}, {1}) / 86400"
	# raw SQL: ROW_NUMBER()/COUNT() windows for the medians and FORCE INDEX, which frappe.qb can't express
	return frappe.db.sql(
		f"""
		select a.source, a.opportunities, ifnull(b.won, 0) as won,
			a.mean_lead_to_opportunity, a.median_lead_to_opportunity,
			b.mean_opportunity_to_won, b.median_opportunity_to_won, b.mean_lead_to_won, b.median_lead_to_won
		from (
			select source, count(*) as opportunities, avg(v) as mean_lead_to_opportunity,
				avg(if({MIDDLE.format("r", "n")}, v, null)) as median_lead_to_opportunity
			from (
				select t.*, row_number() over (partition by source order by v) as r,
					count(*) over (partition by source) as n
				from (select ifnull(l.source, '') as source, {days.format("l.creation", "o.creation")} as v {joined}) t
			) ranked
			group by source
		) a
		left join (
			select source, count(*) as won,
				avg(v1) as mean_opportunity_to_won, avg(if({MIDDLE.format("r1", "n")}, v1, null)) as median_opportunity_to_won,
				avg(v2) as mean_lead_to_won, avg(if({MIDDLE.format("r2", "n")}, v2, null)) as median_lead_to_won
			from (
				select t.*, row_number() over (partition by source order by v1) as r1,
					row_number() over (partition by source order by v2) as r2,
					count(*) over (partition by source) as n
				from (
					select ifnull(l.source, '') as source, {days.format("o.creation", "o.closed_on")} as v1,
						{days.format("l.creation", "o.closed_on")} as v2
					{joined} and o.status = 'Won' and o.closed_on is not null
				) t
			) ranked
			group by source
		) b on b.source = a.source
		order by a.opportunities desc, a.source
		""",
		w.params,
		as_dict=True,
	)
