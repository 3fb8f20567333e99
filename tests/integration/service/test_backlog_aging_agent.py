"""Ticket Backlog Aging's agent filter matches the agent's user id as itself: an underscore or a percent sign
in it is not a LIKE wildcard that would count other agents' tickets."""

import json

import frappe

from crm_suite.service.report.ticket_backlog_aging import ticket_backlog_aging
from tests.integration.factories import make_customer, make_ticket, make_user, unique


def _total(agent: str) -> int:
	return sum(row["total"] for row in ticket_backlog_aging.execute({"agent": agent})[1])


def test_the_agent_filter_does_not_read_the_user_id_as_a_pattern():
	tag = unique().lower()
	underscored = make_user("Support Agent", email=f"a_{tag}@example.com").name
	lookalike = make_user("Support Agent", email=f"ab{tag}@example.com").name
	manager = make_user("Support Manager").name
	customer = make_customer().name
	theirs = make_ticket(customer=customer)
	frappe.db.set_value("Ticket", theirs.name, {"_assign": json.dumps([lookalike]), "agent": None})
	own = make_ticket(customer=customer)
	frappe.db.set_value("Ticket", own.name, {"_assign": json.dumps([underscored]), "agent": None})

	frappe.set_user(manager)
	assert _total(lookalike) == 1
	assert _total(underscored) == 1  # its own ticket only, not the look-alike's
	assert _total("%") == 0
