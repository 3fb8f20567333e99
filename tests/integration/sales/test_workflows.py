"""The shipped Lead and Opportunity workflows: who may move a record where."""

import frappe
import pytest
from frappe.model.workflow import (
	WorkflowPermissionError,
	WorkflowTransitionError,
	apply_workflow,
	get_transitions,
)

from tests.integration.factories import make_lead, make_opportunity, make_user


def as_user(*roles):
	frappe.set_user(make_user(*roles).name)


def test_workflows_are_active_on_status():
	for doctype in ("Lead", "Opportunity"):
		workflow = frappe.get_doc("Workflow", f"{doctype} Workflow")
		assert workflow.is_active and workflow.workflow_state_field == "status"


def test_unqualified_from_every_open_state_and_only_managers_reopen():
	for path in ([], ["Contact"], ["Contact", "Qualify"]):
		lead = make_lead()
		as_user("Sales User")
		for action in path:
			lead = apply_workflow(frappe.get_doc("Lead", lead.name).as_dict(), action)
		lead = apply_workflow(frappe.get_doc("Lead", lead.name).as_dict(), "Disqualify")
		assert lead.status == "Unqualified"
		with pytest.raises(WorkflowTransitionError):
			apply_workflow(lead.as_dict(), "Reopen")
		as_user("Sales Manager")
		assert apply_workflow(lead.as_dict(), "Reopen").status == "New"
		frappe.set_user("Administrator")


def test_a_converted_lead_cannot_go_back():
	from crm_suite.sales.conversion import convert_lead

	lead = make_lead()
	convert_lead(lead.name)
	lead = frappe.get_doc("Lead", lead.name)
	assert get_transitions(lead) == []
	lead.status = "New"
	with pytest.raises(WorkflowPermissionError):
		lead.save()


def test_opportunity_win_lose_and_manager_reopen():
	opp = make_opportunity()
	as_user("Sales User")
	assert {t["action"] for t in get_transitions(frappe.get_doc("Opportunity", opp.name))} == {"Win", "Lose"}
	with pytest.raises(frappe.ValidationError, match="Lost Reason"):
		apply_workflow(frappe.get_doc("Opportunity", opp.name).as_dict(), "Lose")
	won = apply_workflow(frappe.get_doc("Opportunity", opp.name).as_dict(), "Win")
	assert won.status == "Won" and won.closed_on
	won.status = "Lost"  # Won -> Lost is not a transition
	won.lost_reason = "Price"
	with pytest.raises(WorkflowPermissionError):
		won.save()
	with pytest.raises(WorkflowTransitionError):
		apply_workflow(frappe.get_doc("Opportunity", opp.name).as_dict(), "Reopen")
	as_user("Sales Manager")
	assert apply_workflow(frappe.get_doc("Opportunity", opp.name).as_dict(), "Reopen").status == "Open"


def test_support_agent_has_no_transitions():
	opp = make_opportunity()
	as_user("Support Agent")
	assert get_transitions(frappe.get_doc("Opportunity", opp.name)) == []


def test_kanban_board_and_round_robin_fixtures_are_installed():
	board = frappe.get_doc("Kanban Board", "Opportunity Pipeline")
	assert (board.reference_doctype, board.field_name) == ("Opportunity", "sales_stage")
	columns = [c.column_name for c in board.columns]
	assert columns == ["Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation"]
	assert all(frappe.db.exists("Sales Stage", c) for c in columns)
	rule = frappe.get_doc("Assignment Rule", "Lead Round Robin")
	assert (rule.document_type, rule.rule, rule.assign_condition) == (
		"Lead",
		"Round Robin",
		'status == "New" and not import_pending',  # imported leads: the pass after the import assigns them
	)
