# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Stage Velocity: per lead status (or opportunity stage), optionally by owner or source, how many
records entered it in the period, how each stay ended (advanced to a later stage, dropped as Unqualified
or Lost, went back, still there), the conversion to a later stage, and the median and mean days a
finished stay lasted. One set-based query over Stage History joined to the records; the median is the
mean of the one or two middle ranks of ROW_NUMBER() per group (raw SQL: window functions), as in Lead
Conversion Time. Rows are limited to the records the user may read (Frappe's own list query as a
subquery), like the Stage History list."""

import frappe
from frappe import _

from crm_suite.activities.permissions import record_conditions
from crm_suite.sales.report_filters import percent, where
from crm_suite.sales.stage_rules import LEAD_DROPPED, LEAD_ORDER, OPPORTUNITY_LOST, OPPORTUNITY_WON
from crm_suite.utils.reports import chart, column

MIDDLE = "{0} in (floor(({1} + 1) / 2), ceil(({1} + 1) / 2))"
OWNER = {"Lead": "lead_owner", "Opportunity": "opportunity_owner"}
GROUPS = {"": None, "Owner": "owner", "Source": "source"}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	doctype = filters.get("record_type") or "Lead"
	if doctype not in OWNER:
		frappe.throw(_("Stage Velocity is of leads or opportunities."), title=_("Invalid Filters"))
	if (filters.get("group_by") or "") not in GROUPS:
		frappe.throw(_("Group by owner, source or nothing."), title=_("Invalid Filters"))
	if not frappe.has_permission(doctype, "read"):
		raise frappe.PermissionError(_("You may not read {0}.").format(_(doctype)))
	rows = data(doctype, filters)
	result = velocity_chart(rows, filters)
	for row in rows:
		row.stage = _(row.stage)  # a lead status or a shipped sales stage, in the reader's language
	return columns(filters), rows, None, result


def opportunity_stages() -> list[str]:
	return frappe.get_all("Sales Stage", order_by="stage_order asc, name asc", pluck="name")


def case_rank(column: str, order: list[str]) -> str:
	whens = " ".join(f"when {frappe.db.escape(s)} then {i}" for i, s in enumerate(order))
	return f"(case {column} {whens} else null end)" if order else "null"


def data(doctype: str, filters: frappe._dict) -> list[dict]:
	stages = opportunity_stages() if doctype == "Opportunity" else []
	order = list(LEAD_ORDER) if doctype == "Lead" else [*stages, OPPORTUNITY_WON]
	dropped = LEAD_DROPPED if doctype == "Lead" else (OPPORTUNITY_LOST,)
	here, there = case_rank("s.stage", order), case_rank("s.next_stage", order)
	result = f"""(case when s.left_on is null then 'still'
		when s.next_stage in ({", ".join(frappe.db.escape(d) for d in dropped)}) then 'dropped'
		when {there} is not null and ({here} is null or {there} > {here}) then 'advanced'
		else 'back' end)"""
	# the date range as the Sales reports read it (half-open on the datetime); owner and source are the
	# record's
	w = where({k: filters.get(k) for k in ("from_date", "to_date")}, "s", "entered_on", owner_column="")
	conditions = [w.sql, "s.reference_doctype = %(doctype)s"]
	params = {**w.params, "doctype": doctype}
	for key, field in (("owner", OWNER[doctype]), ("source", "source")):
		if filters.get(key):
			conditions.append(f"r.`{field}` = %({key})s")
			params[key] = filters.get(key)
	if rule := record_conditions("s", (doctype,), frappe.session.user):
		conditions.append(rule.replace("%", "%%"))
	group_column = GROUPS[filters.get("group_by") or ""]
	group = {None: "''", "owner": f"ifnull(r.`{OWNER[doctype]}`, '')", "source": "ifnull(r.source, '')"}[
		group_column
	]
	# raw SQL: ROW_NUMBER()/COUNT() windows for the medians, which frappe.qb can't express
	rows = frappe.db.sql(
		f"""
		select grp, stage, count(*) as entered,
			sum(result = 'advanced') as advanced, sum(result = 'dropped') as dropped,
			sum(result = 'back') as went_back, sum(result = 'still') as still,
			avg(days) as mean_days,
			avg(if(days is not null and {MIDDLE.format("rnk", "n")}, days, null)) as median_days
		from (
			select t.*, row_number() over (partition by grp, stage, days is null order by days) as rnk,
				count(days) over (partition by grp, stage) as n
			from (
				select {group} as grp, s.stage, if(s.left_on is null, null, s.days) as days, {result} as result
				from `tabStage History` s
				join `tab{doctype}` r on r.name = s.reference_name
				where {" and ".join(conditions)}
			) t
		) ranked
		group by grp, stage
		""",
		params,
		as_dict=True,
	)
	for row in rows:
		for key in ("entered", "advanced", "dropped", "went_back", "still"):
			row[key] = int(row[key] or 0)
		finished = row.entered - row.still
		row.conversion = percent(row.advanced, finished)
		row[group_column or "grp"] = row.pop("grp")
	position = {s: i for i, s in enumerate(order)}
	rows.sort(
		key=lambda r: (
			r.get(group_column) or "" if group_column else "",
			position.get(r.stage, len(order) + (r.stage in dropped)),
			r.stage,
		)
	)
	return rows


def columns(filters) -> list[dict]:
	group_column = GROUPS[filters.get("group_by") or ""]
	cols = []
	if group_column == "owner":
		cols.append(column("owner", _("Owner"), "Link", 200, options="User"))
	elif group_column == "source":
		cols.append(column("source", _("Source"), "Link", 150, options="Lead Source"))
	days = {"fieldtype": "Float", "precision": 1}
	return [
		*cols,
		column("stage", _("Stage"), "Data", 150),
		column("entered", _("Entered"), "Int", 90),
		column("advanced", _("Moved On"), "Int", 100),
		column("dropped", _("Dropped"), "Int", 90),
		column("went_back", _("Went Back"), "Int", 100),
		column("still", _("Still There"), "Int", 100),
		column("conversion", _("Conversion %"), "Percent", 120),
		column("median_days", _("Median Days"), width=120, **days),
		column("mean_days", _("Mean Days"), width=110, **days),
	]


def velocity_chart(rows, filters):
	if filters.get("group_by") or not rows:
		return None
	timed = [r for r in rows if r.median_days is not None]
	return chart(
		[_(r.stage) for r in timed], {_("Median days in stage"): [round(r.median_days, 1) for r in timed]}
	)
