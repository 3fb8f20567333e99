"""The demo's stage history and planned activities (pure row builders)."""

import random
from datetime import date, datetime, timedelta

from crm_suite.activities import demo
from crm_suite.sales.stage_rules import stay_result

END = date(2026, 12, 5)
STAGES = ["Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation"]


def leads():
	base = datetime(2026, 11, 20, 10)
	rows = []
	for n, status in enumerate(["New", "Contacted", "Qualified", "Converted", "Unqualified"] * 20):
		rows.append(
			{
				"name": f"L{n}",
				"status": status,
				"creation": base - timedelta(days=n),
				"converted_on": base + timedelta(days=3) if status == "Converted" else None,
				"lead_owner": "s@x",
				"lead_name": f"Lead {n}",
			}
		)
	return rows


def test_stays_follow_each_status_and_are_contiguous():
	opps = [
		{
			"name": "O1",
			"status": "Won",
			"sales_stage": "Proposal",
			"creation": datetime(2026, 10, 1),
			"closed_on": date(2026, 11, 1),
			"opportunity_owner": "s@x",
		},
		{
			"name": "O2",
			"status": "Open",
			"sales_stage": "Prospecting",
			"creation": datetime(2026, 11, 1),
			"closed_on": None,
			"opportunity_owner": "s@x",
		},
	]
	rows = demo.stage_history(1, END, leads(), opps, STAGES)
	assert rows == demo.stage_history(1, END, leads(), opps, STAGES)  # deterministic
	by_record: dict[str, list[dict]] = {}
	for r in rows:
		by_record.setdefault(r["reference_name"], []).append(r)
	for lead in leads():
		stays = by_record[lead["name"]]
		assert stays[0]["entered_on"] == lead["creation"] and stays[-1]["stage"] == lead["status"]
		assert stays[-1]["left_on"] is None and stays[-1]["days"] == 0
		for a, b in zip(stays, stays[1:], strict=False):
			assert a["left_on"] == b["entered_on"] and a["next_stage"] == b["stage"] and a["days"] >= 0
			assert stay_result("Lead", a["stage"], a["next_stage"], []) in ("advanced", "dropped")
	assert [s["stage"] for s in by_record["O1"]] == [
		"Prospecting",
		"Qualification",
		"Needs Analysis",
		"Proposal",
		"Won",
	]
	assert by_record["O1"][-1]["entered_on"] <= datetime(2026, 11, 1, 12)
	assert [s["stage"] for s in by_record["O2"]] == ["Prospecting"]
	assert len({r["name"] for r in rows}) == len(rows)


def test_planned_activities_on_recent_open_leads_set_their_next_activity():
	rows_in = leads()
	planned = demo.activities(1, END, rows_in)
	assert planned and all(set(r) == set(planned[0]) for r in planned)
	assert all(set(lead) >= {"next_activity_on", "next_activity"} for lead in rows_in)
	by_name = {lead["name"]: lead for lead in rows_in}
	for act in planned:
		lead = by_name[act["reference_name"]]
		assert lead["status"] in ("New", "Contacted", "Qualified")
		assert (lead["next_activity_on"], lead["next_activity"]) == (act["due_on"], act["subject"])
		assert act["ends_on"] > act["due_on"] and act["assigned_to"] == lead["lead_owner"]
	assert not any(
		by_name[n]["next_activity_on"] for n in by_name if n not in {a["reference_name"] for a in planned}
	)


def test_lead_paths():
	rng = random.Random(3)
	assert demo.lead_path(rng, "New") == ["New"]
	assert demo.lead_path(rng, "Qualified") == ["New", "Contacted", "Qualified"]
	for _ in range(20):
		path = demo.lead_path(rng, "Unqualified")
		assert path[0] == "New" and path[-1] == "Unqualified" and 2 <= len(path) <= 4
		assert demo.lead_path(rng, "Converted")[-1] == "Converted"
