"""Stage history rules: the stage of a record, stays rebuilt from recorded changes, how a stay ended."""

from datetime import datetime, timedelta

import pytest

from crm_suite.sales.stage_rules import Change, Stay, stage_of, stay_result, stays_from_changes

T0 = datetime(2026, 1, 1, 9, 0)
D = timedelta(days=1)
STAGES = ["Prospecting", "Qualification", "Proposal", "Negotiation"]


def test_stage_of():
	assert stage_of("Lead", "Contacted") == "Contacted"
	assert stage_of("Opportunity", "Open", "Proposal") == "Proposal"
	assert stage_of("Opportunity", "Won", "Proposal") == "Won"
	assert stage_of("Opportunity", "Open", None) is None
	assert stage_of("Lead", None) is None


def test_a_lead_without_changes_has_one_open_stay_since_creation():
	assert stays_from_changes("Lead", T0, {"status": "Qualified"}, []) == [
		Stay("Qualified", T0, None, None, None, None)
	]


def test_a_lead_moving_through_its_statuses():
	changes = [
		Change(T0 + D, "status", "New", "Contacted", "a@x"),
		Change(T0 + 3 * D, "status", "Contacted", "Qualified", "b@x"),
		Change(T0 + 10 * D, "status", "Qualified", "Converted", "b@x"),
	]
	stays = stays_from_changes("Lead", T0, {"status": "Converted"}, changes)
	assert stays == [
		Stay("New", T0, T0 + D, "Contacted", 1.0, None),
		Stay("Contacted", T0 + D, T0 + 3 * D, "Qualified", 2.0, "a@x"),
		Stay("Qualified", T0 + 3 * D, T0 + 10 * D, "Converted", 7.0, "b@x"),
		Stay("Converted", T0 + 10 * D, None, None, None, "b@x"),
	]


def test_an_opportunity_replays_stage_and_status_together():
	changes = [
		Change(T0 + D, "sales_stage", "Prospecting", "Proposal"),
		Change(T0 + 2 * D, "probability", "10", "50"),  # not a stage field: ignored by the caller; harmless
		Change(T0 + 4 * D, "status", "Open", "Won"),
		Change(T0 + 4 * D, "sales_stage", "Proposal", "Negotiation"),  # same save: still Won
	]
	stays = stays_from_changes("Opportunity", T0, {"status": "Won", "sales_stage": "Negotiation"}, changes)
	assert [(s.stage, s.left_on, s.next_stage) for s in stays] == [
		("Prospecting", T0 + D, "Proposal"),
		("Proposal", T0 + 4 * D, "Won"),
		("Won", None, None),
	]


def test_stays_are_contiguous_and_the_last_is_open():
	"""Oracle: whatever the changes, each stay starts when the previous ended, in the stage it moved to."""
	statuses = ["New", "Contacted", "Qualified", "Unqualified", "New", "Contacted", "Converted"]
	changes = [
		Change(T0 + (i + 1) * D, "status", a, b)
		for i, (a, b) in enumerate(zip(statuses, statuses[1:], strict=False))
	]
	stays = stays_from_changes("Lead", T0, {"status": statuses[-1]}, changes)
	assert [s.stage for s in stays] == statuses
	for before, after in zip(stays, stays[1:], strict=False):
		assert before.left_on == after.entered_on and before.next_stage == after.stage
	assert stays[-1].left_on is None
	assert sum(s.days for s in stays[:-1]) == pytest.approx((stays[-1].entered_on - T0).days)


@pytest.mark.parametrize(
	"doctype, stage, nxt, result",
	[
		("Lead", "New", None, "still"),
		("Lead", "New", "Contacted", "advanced"),
		("Lead", "New", "Converted", "advanced"),
		("Lead", "Qualified", "Contacted", "back"),
		("Lead", "Contacted", "Unqualified", "dropped"),
		("Lead", "Unqualified", "New", "advanced"),  # reopened
		("Opportunity", "Proposal", "Negotiation", "advanced"),
		("Opportunity", "Negotiation", "Qualification", "back"),
		("Opportunity", "Proposal", "Won", "advanced"),
		("Opportunity", "Proposal", "Lost", "dropped"),
		("Opportunity", "Proposal", "Retired Stage", "back"),
	],
)
def test_stay_result(doctype, stage, nxt, result):
	assert stay_result(doctype, stage, nxt, STAGES) == result
