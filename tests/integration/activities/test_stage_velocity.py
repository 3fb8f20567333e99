"""Stage history is recorded on every status / stage change and backfilled from the Version log; the Stage
Velocity report's medians and conversions against a Python oracle over the same stays; who may read it."""

import statistics
from datetime import timedelta

import frappe
import pytest
from frappe.utils import add_days, get_datetime, now_datetime

from crm_suite.sales import stage_history
from crm_suite.sales.report.stage_velocity import stage_velocity
from crm_suite.sales.stage_rules import stay_result
from tests.integration.factories import make_lead, make_opportunity, make_user, unique


def stays(record):
	return frappe.get_all(
		"Stage History",
		filters={"reference_doctype": record.doctype, "reference_name": record.name},
		fields=["stage", "next_stage", "left_on", "days"],
		order_by="entered_on asc, creation asc",
	)


def test_lead_and_opportunity_changes_are_recorded():
	lead = make_lead()
	lead.status = "Contacted"
	lead.save()
	lead.save()  # no change: nothing recorded
	lead.db_set("status", "Qualified")
	assert [(s.stage, s.next_stage) for s in stays(lead)] == [
		("New", "Contacted"),
		("Contacted", "Qualified"),
		("Qualified", None),
	]
	opp = make_opportunity(sales_stage="Prospecting")
	opp.sales_stage = "Proposal"
	opp.save()
	opp.status, opp.lost_reason = "Lost", frappe.get_all("Lost Reason", pluck="name", limit=1)[0]
	opp.save()
	assert [s.stage for s in stays(opp)] == ["Prospecting", "Proposal", "Lost"]
	assert all(s.days is not None and s.left_on for s in stays(opp)[:-1])


def test_backfill_rebuilds_stays_from_the_version_log():
	lead = make_lead()
	lead.status = "Contacted"
	lead.save(ignore_version=False)  # Frappe keeps no versions in tests unless asked
	frappe.db.delete("Stage History", {"reference_name": lead.name})
	stage_history.backfill("Lead", after=lead.name[:-1], commit=False)
	assert [(s.stage, s.next_stage) for s in stays(lead)] == [("New", "Contacted"), ("Contacted", None)]
	# again: the lead has stays, nothing is added
	stage_history.backfill("Lead", after=lead.name[:-1], commit=False)
	assert len(stays(lead)) == 2


def seed(owner, source, spans):
	"""Leads with made-up stays: spans = [(stage, next_stage or None, days)]."""
	lead = make_lead(lead_owner=owner, source=source)
	frappe.db.delete("Stage History", {"reference_name": lead.name})
	start = add_days(now_datetime(), -60)
	for stage, nxt, days in spans:
		frappe.get_doc(
			{
				"doctype": "Stage History",
				"reference_doctype": "Lead",
				"reference_name": lead.name,
				"stage": stage,
				"next_stage": nxt,
				"entered_on": start,
				"left_on": start + timedelta(days=days) if nxt else None,
				"days": days if nxt else None,
			}
		).insert(ignore_permissions=True)
		start += timedelta(days=days or 0)
	return lead


def test_stage_velocity_against_an_oracle():
	source = (
		frappe.get_doc({"doctype": "Lead Source", "source_name": unique("Src ")})
		.insert(ignore_permissions=True)
		.name
	)
	owner_a, owner_b = make_user("Sales User").name, make_user("Sales User").name
	data = [
		(
			owner_a,
			[
				("New", "Contacted", 1),
				("Contacted", "Qualified", 4),
				("Qualified", "Converted", 10),
				("Converted", None, 0),
			],
		),
		(owner_a, [("New", "Contacted", 3), ("Contacted", "Unqualified", 2), ("Unqualified", None, 0)]),
		(
			owner_b,
			[
				("New", "Contacted", 2),
				("Contacted", "New", 1),
				("New", "Contacted", 5),
				("Contacted", None, 0),
			],
		),
		(owner_b, [("New", None, 0)]),
	]
	for owner, spans in data:
		seed(owner, source, spans)
	filters = {
		"record_type": "Lead",
		"source": source,
		"from_date": str(add_days(now_datetime(), -90).date()),
	}
	_cols, rows, _m, chart = stage_velocity.execute(filters)
	by_stage = {r.stage: r for r in rows}
	for stage in ("New", "Contacted", "Qualified"):
		all_spans = [s for _o, spans in data for s in spans if s[0] == stage]
		results = [stay_result("Lead", s[0], s[1], []) for s in all_spans]
		finished = [s[2] for s in all_spans if s[1]]
		row = by_stage[stage]
		assert row.entered == len(all_spans)
		assert (row.advanced, row.dropped, row.went_back, row.still) == tuple(
			results.count(k) for k in ("advanced", "dropped", "back", "still")
		)
		assert row.median_days == pytest.approx(statistics.median(finished))
		assert row.mean_days == pytest.approx(statistics.mean(finished))
		assert row.conversion == pytest.approx(round(100 * results.count("advanced") / len(finished), 2))
	assert [r.stage for r in rows][:3] == ["New", "Contacted", "Qualified"] and chart
	_c, by_owner, _m, _ch = stage_velocity.execute({**filters, "group_by": "Owner"})
	new_a = next(r for r in by_owner if r.owner == owner_a and r.stage == "New")
	assert new_a.entered == 2 and new_a.median_days == pytest.approx(2)
	_c, only_b, _m, _ch = stage_velocity.execute({**filters, "owner": owner_b})
	assert {r.stage: r.entered for r in only_b} == {"New": 3, "Contacted": 2}


def test_stage_velocity_follows_the_users_permissions():
	mine, theirs = make_user("Sales User"), make_user("Sales User")
	source = (
		frappe.get_doc({"doctype": "Lead Source", "source_name": unique("Src ")})
		.insert(ignore_permissions=True)
		.name
	)
	for owner in (mine.name, theirs.name):
		lead = seed(owner, source, [("New", "Contacted", 2), ("Contacted", None, 0)])
		frappe.db.set_value("Lead", lead.name, "_assign", None)
	frappe.db.set_single_value("CRM Settings", "sales_users_see_own_records", 1)
	filters = {"record_type": "Lead", "source": source}
	frappe.set_user(mine.name)
	rows = stage_velocity.execute(filters)[1]
	assert {r.stage: r.entered for r in rows} == {"New": 1, "Contacted": 1}
	assert (
		len(
			frappe.get_list(
				"Stage History", filters={"reference_doctype": "Lead"}, pluck="name", limit_page_length=0
			)
		)
		>= 2
	)
	frappe.set_user("Administrator")
	frappe.db.set_single_value("CRM Settings", "sales_users_see_own_records", 0)
	frappe.set_user(make_user("Support Agent").name)
	with pytest.raises(frappe.PermissionError):
		frappe.get_attr("frappe.desk.query_report.run")("Stage Velocity", filters=filters)
	with pytest.raises(frappe.ValidationError):
		stage_velocity.execute({"record_type": "Ticket"})
