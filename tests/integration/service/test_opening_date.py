"""An absurd opening date (year 1, year 9999: a typo) is refused with a clear message and nothing is saved,
instead of the SLA deadlines being counted over centuries of business days (or overflowing); a row written
around the document model with such a date is left alone by the SLA recompute."""

import frappe
import pytest

from crm_suite.service.sla import recompute_open_tickets
from tests.integration.factories import make_customer, unique
from tests.integration.service.helpers import make_agent, make_sla


@pytest.fixture
def agent():
	sla = make_sla(default=True).name
	customer = make_customer().name
	frappe.set_user(make_agent().name)
	return frappe._dict(customer=customer, sla=sla)


@pytest.mark.parametrize("opening", ["0001-01-01 00:00:00", "9999-12-31 23:00:00", "1900-05-01 10:00:00"])
def test_an_absurd_opening_date_is_refused_and_nothing_saved(agent, opening):
	subject = unique("Typo ")
	ticket = frappe.get_doc(
		{"doctype": "Ticket", "subject": subject, "customer": agent.customer, "opening_date": opening}
	)
	with pytest.raises(frappe.ValidationError, match="Opening Date .* is out of range"):
		ticket.insert()
	assert not frappe.db.exists("Ticket", {"subject": subject})


def test_an_existing_ticket_cannot_be_moved_to_year_one(agent):
	ticket = frappe.get_doc(
		{"doctype": "Ticket", "subject": unique("Ok "), "customer": agent.customer}
	).insert()
	ticket.opening_date = "0001-01-01 00:00:00"
	with pytest.raises(frappe.ValidationError, match="Opening Date .* is out of range"):
		ticket.save()
	assert frappe.db.get_value("Ticket", ticket.name, "opening_date").year > 2000


def test_the_recompute_leaves_a_row_written_with_year_one_alone(agent):
	ticket = frappe.get_doc(
		{"doctype": "Ticket", "subject": unique("Raw "), "customer": agent.customer}
	).insert()
	kept = frappe.db.get_value("Ticket", ticket.name, ["response_by", "resolution_by"])
	frappe.db.set_value("Ticket", ticket.name, "opening_date", "0001-01-01 00:00:00", update_modified=False)
	frappe.set_user("Administrator")  # the recompute is a background job
	recompute_open_tickets(sla=agent.sla)
	assert frappe.db.get_value("Ticket", ticket.name, ["response_by", "resolution_by"]) == kept
