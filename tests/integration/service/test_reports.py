"""The service reports count what the tickets say (fresh tickets in one transaction, filtered by customer
or by the newest rows)."""

from datetime import datetime

import frappe
from frappe.utils import add_days, now_datetime

from crm_suite.service.report.customer_satisfaction_trend import customer_satisfaction_trend
from crm_suite.service.report.sla_compliance import sla_compliance
from crm_suite.service.report.ticket_backlog_aging import ticket_backlog_aging
from crm_suite.service.report.ticket_response_time_by_agent import ticket_response_time_by_agent
from tests.integration.factories import make_customer, make_ticket
from tests.integration.service.helpers import make_agent


def tickets_for(customer, specs):
	out = []
	for spec in specs:
		t = make_ticket(customer=customer)
		frappe.db.set_value("Ticket", t.name, spec, update_modified=False)
		out.append(t.name)
	return out


def test_sla_compliance_by_priority_with_a_chart():
	customer = make_customer().name
	tickets_for(
		customer,
		[
			{"priority": "High", "agreement_status": "Fulfilled"},
			{"priority": "High", "agreement_status": "Failed"},
			{"priority": "Low", "agreement_status": "Fulfilled"},
			{"priority": "Low", "agreement_status": "Resolution Due"},  # no outcome yet: not counted
		],
	)
	columns, rows, _msg, chart, summary = sla_compliance.execute(
		{"group_by": "Priority", "customer": customer}
	)
	by = {r.grp: r for r in rows}
	assert (by["High"].total, by["High"].fulfilled, by["High"].compliance) == (2, 1, 50.0)
	assert (by["Low"].total, by["Low"].compliance) == (1, 100.0)
	assert chart["type"] == "bar" and chart["data"]["labels"] == ["High", "Low"]
	assert summary[1]["value"] == round(200 / 3, 1)


def test_backlog_aging_buckets_open_tickets_only():
	before = {r["age"]: r["total"] for r in ticket_backlog_aging.execute({})[1]}
	customer = make_customer().name
	now = now_datetime()
	tickets_for(
		customer,
		[
			{"opening_date": add_days(now, -2), "priority": "Urgent"},
			{"opening_date": add_days(now, -40), "priority": "Low"},
			{"opening_date": add_days(now, -40), "priority": "Low", "status": "Closed"},
		],
	)
	columns, rows, _msg, chart = ticket_backlog_aging.execute({})
	after = {r["age"]: r for r in rows}
	assert after["1–3 days"]["total"] - before["1–3 days"] == 1 and after["1–3 days"]["urgent"] >= 1
	assert after["> 30 days"]["total"] - before["> 30 days"] == 1
	assert chart["barOptions"]["stacked"]


def test_response_and_resolution_time_by_agent():
	agent = make_agent().name
	customer = make_customer().name
	opened = datetime(2026, 3, 2, 9, 0)
	tickets_for(
		customer,
		[
			{
				"agent": agent,
				"opening_date": opened,
				"first_responded_on": datetime(2026, 3, 2, 10, 0),
				"resolution_date": datetime(2026, 3, 2, 13, 0),
				"status": "Resolved",
			},
			{"agent": agent, "opening_date": opened, "first_responded_on": datetime(2026, 3, 2, 12, 0)},
		],
	)
	_cols, rows, _msg, chart = ticket_response_time_by_agent.execute(
		{"from_date": "2026-03-01", "to_date": "2026-03-31"}
	)
	row = next(r for r in rows if r.agent == agent)
	assert (row.tickets, row.resolved, row.avg_response_hours, row.avg_resolution_hours) == (2, 1, 2.0, 4.0)
	assert agent in chart["data"]["labels"]


def test_customer_satisfaction_trend_by_month():
	customer = make_customer().name
	tickets_for(
		customer,
		[
			{"feedback_rating": 5, "feedback_on": datetime(2026, 1, 10)},
			{"feedback_rating": 2, "feedback_on": datetime(2026, 1, 20)},
			{"feedback_rating": 4, "feedback_on": datetime(2026, 2, 5)},
		],
	)
	_cols, rows, _msg, chart = customer_satisfaction_trend.execute({"customer": customer})
	assert [(r.month, r.ratings, r.average, r.csat) for r in rows] == [
		("2026-01", 2, 3.5, 50.0),
		("2026-02", 1, 4.0, 100.0),
	]
	assert chart["type"] == "line"
