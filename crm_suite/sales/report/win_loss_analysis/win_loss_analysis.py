# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Win/Loss Analysis: closed opportunities, won against lost, by the sales stage they had reached when
they closed and by lost reason. Two GROUP BYs."""

import frappe
from frappe import _
from frappe.query_builder.functions import Count, IfNull, Sum

from crm_suite.crm import money
from crm_suite.sales.report_filters import criterion, percent
from crm_suite.utils.reports import chart, column, count_if


@frappe.read_only()
def execute(filters=None):
	by_stage, by_reason = data(filters or {})
	result = chart(
		[r["value"] for r in by_stage],
		{_("Won"): [r["won"] for r in by_stage], _("Lost"): [r["lost"] for r in by_stage]},
		colors=["#29cd42", "#ff5858"],
	)
	return money.in_reporting_currency((columns(), by_stage + by_reason, None, result), "Opportunity")


def columns():
	return [
		column("dimension", _("By"), "Data", 120),
		column("value", _("Stage / Lost Reason"), "Data", 180),
		column("won", _("Won"), "Int", 80),
		column("lost", _("Lost"), "Int", 80),
		column("win_rate", _("Win Rate %"), "Percent", 110),
		column("won_amount", _("Won Amount"), "Currency", 150),
		column("lost_amount", _("Lost Amount"), "Currency", 150),
		column("share_of_lost", _("Share of Lost %"), "Percent", 130),
	]


def data(filters: dict) -> tuple[list[dict], list[dict]]:
	opp, stage = frappe.qb.DocType("Opportunity"), frappe.qb.DocType("Sales Stage")
	chosen = criterion(filters, opp, "closed_on", "opportunity_owner", date_is_datetime=False)
	won, lost = opp.status == "Won", opp.status == "Lost"
	stage_order = IfNull(stage.stage_order, 999)
	stages = (
		frappe.qb.from_(opp)
		.left_join(stage)
		.on(stage.name == opp.sales_stage)
		.select(
			IfNull(opp.sales_stage, "").as_("value"),
			stage_order.as_("stage_order"),
			count_if(won).as_("won"),
			count_if(lost).as_("lost"),
			count_if(won, opp.base_amount).as_("won_amount"),
			count_if(lost, opp.base_amount).as_("lost_amount"),
		)
		.where(opp.status.isin(["Won", "Lost"]) & chosen)
		.groupby(opp.sales_stage, stage.stage_order)
		.orderby(stage_order)
		.run(as_dict=True)
	)
	reasons = (
		frappe.qb.from_(opp)
		.select(
			IfNull(opp.lost_reason, "").as_("value"),
			Count("*").as_("lost"),
			Sum(opp.base_amount).as_("lost_amount"),
		)
		.where(lost & chosen)
		.groupby(opp.lost_reason)
		.orderby(Count("*"), order=frappe.qb.desc)
		.run(as_dict=True)
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
