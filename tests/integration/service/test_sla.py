"""Service Level Agreements on tickets, against MariaDB. The site's time zone is the data zone;
2027-01-04 is a Monday. The desk clock is pinned with helpers.clock."""

from datetime import datetime

import frappe
import pytest

from crm_suite.service.sla import refresh_agreement_status
from tests.integration.factories import make_customer, make_ticket, unique
from tests.integration.service.helpers import clock, make_sla

MON = datetime(2027, 1, 4, 15, 0)


def dt(*a):
	return datetime(*a)


def ticket_at(opening, **kw):
	with clock(opening):
		return make_ticket(opening_date=opening, **kw)


def save_at(ticket, when, **values):
	"""Change the ticket and save it at `when` (the service desk's clock)."""
	with clock(when):
		ticket.update(values)
		ticket.save()


def count(doctype):
	return frappe.db.count(doctype)


@pytest.fixture
def sla():
	return make_sla(default=True)


# ----------------------------------------------------------------- the agreement itself
def test_service_hours_ending_before_they_start_are_refused():
	before = count("Service Level Agreement")
	with pytest.raises(frappe.ValidationError, match="end"):
		make_sla(hours=[{"weekday": "Monday", "start_time": "17:00:00", "end_time": "09:00:00"}])
	with pytest.raises(frappe.ValidationError, match="overlap"):
		make_sla(
			hours=[
				{"weekday": "Monday", "start_time": "09:00:00", "end_time": "13:00:00"},
				{"weekday": "Monday", "start_time": "12:00:00", "end_time": "17:00:00"},
			]
		)
	assert count("Service Level Agreement") == before


def test_bad_priorities_time_zone_and_a_second_default_are_refused(sla):
	with pytest.raises(frappe.ValidationError, match="shorter"):
		make_sla(priorities={"Medium": (8, 4)})
	with pytest.raises(frappe.ValidationError, match="time zone"):
		make_sla(time_zone="Mars/Olympus")
	with pytest.raises(frappe.ValidationError, match="default"):
		frappe.get_doc(
			{**make_sla().as_dict(), "name": None, "sla_name": unique(), "default_sla": 1}
		).insert()


def test_conditions_choose_the_most_specific_agreement(sla):
	group = frappe.get_doc({"doctype": "Customer Group", "customer_group_name": unique("Gold ")}).insert()
	gold = make_sla(customer_group=group.name)
	gold_incident = make_sla(customer_group=group.name, ticket_type="Incident")
	gold_customer = make_customer(customer_group=group.name)
	assert ticket_at(MON).service_level_agreement == sla.name
	assert ticket_at(MON, customer=gold_customer.name).service_level_agreement == gold.name
	assert (
		ticket_at(MON, customer=gold_customer.name, ticket_type="Incident").service_level_agreement
		== gold_incident.name
	)
	assert (
		ticket_at(MON, customer=make_customer().name, ticket_type="Incident").service_level_agreement
		== sla.name
	)


# ----------------------------------------------------------------- deadlines
def test_deadlines_in_business_hours_overnight(sla):
	ticket = ticket_at(MON)  # Monday 15:00, Medium: 4 h response, 16 h resolution
	assert ticket.response_by == dt(2027, 1, 5, 11, 0)  # Mon 15–17 + Tue 9–11
	assert ticket.resolution_by == dt(2027, 1, 6, 15, 0)  # Mon 2 h + Tue 8 h + Wed 6 h
	assert ticket.agreement_status == "First Response Due"


def test_a_weekend_and_a_holiday_are_skipped():
	make_sla(default=True, holidays=["2027-01-11"])  # Monday 11 January
	ticket = ticket_at(dt(2027, 1, 8, 16, 0))  # Friday 16:00
	# Fri 16–17 (1 h), weekend, holiday Monday, Tue 9–12 -> 4 h
	assert ticket.response_by == dt(2027, 1, 12, 12, 0)


def test_a_priority_change_mid_ticket_recomputes_the_deadlines(sla):
	ticket = ticket_at(MON)
	with clock(dt(2027, 1, 4, 15, 10)):
		ticket.priority = "Urgent"  # 30 min / 4 h from the opening
		ticket.save()
	assert (ticket.response_by, ticket.resolution_by) == (dt(2027, 1, 4, 15, 30), dt(2027, 1, 5, 11, 0))
	assert ticket.agreement_status == "First Response Due"


def test_waiting_on_the_customer_over_a_weekend_moves_the_deadline(sla):
	ticket = ticket_at(dt(2027, 1, 8, 10, 0))  # Friday 10:00
	assert ticket.resolution_by == dt(2027, 1, 12, 10, 0)  # Fri 7 h + Mon 8 h + Tue 1 h
	save_at(ticket, dt(2027, 1, 8, 11, 0), first_responded_on=dt(2027, 1, 8, 11, 0), status="In Progress")
	save_at(ticket, dt(2027, 1, 8, 15, 0), status="Waiting on Customer")
	assert ticket.agreement_status == "Paused"
	assert ticket.paused_since == dt(2027, 1, 8, 15, 0)
	# Monday 11:00: paused Fri 15–17 + Mon 9–11 = 240 business minutes
	save_at(ticket, dt(2027, 1, 11, 11, 0), status="In Progress")
	assert ticket.paused_minutes == 240
	assert ticket.paused_since is None
	assert ticket.resolution_by == dt(2027, 1, 12, 14, 0)
	assert ticket.response_by == dt(2027, 1, 8, 14, 0)  # already met: not moved
	assert ticket.agreement_status == "Resolution Due"


def test_a_closed_ticket_reopened_adds_its_resolved_and_closed_time_to_the_pause(sla):
	ticket = ticket_at(dt(2027, 1, 8, 10, 0))  # Friday 10:00; resolution by Tuesday 10:00
	save_at(ticket, dt(2027, 1, 8, 11, 0), first_responded_on=dt(2027, 1, 8, 11, 0), status="In Progress")
	save_at(ticket, dt(2027, 1, 8, 15, 0), status="Resolved")
	save_at(ticket, dt(2027, 1, 11, 10, 0), status="Closed")
	assert ticket.paused_since == dt(2027, 1, 8, 15, 0)  # the clock stays stopped
	# a manager reopens: Fri 15–17 + Mon 9–11 = 240 business minutes
	save_at(ticket, dt(2027, 1, 11, 11, 0), status="Open")
	assert (ticket.paused_minutes, ticket.paused_since) == (240, None)
	assert ticket.resolution_by == dt(2027, 1, 12, 14, 0)
	assert ticket.agreement_status == "Resolution Due"


def test_service_hours_rows_with_an_unknown_day_or_time_are_refused_with_a_message():
	"""Our validation runs before Frappe's own option checks: these gave a 500 (ValueError, ParserError)."""
	before = count("Service Level Agreement")
	with pytest.raises(frappe.ValidationError, match="weekday, a start time and an end time"):
		make_sla(hours=[{"weekday": "Funday", "start_time": "09:00:00", "end_time": "17:00:00"}])
	with pytest.raises(frappe.ValidationError, match="not a time of day"):
		make_sla(hours=[{"weekday": "Monday", "start_time": "nine", "end_time": "17:00:00"}])
	assert count("Service Level Agreement") == before


def test_service_hours_in_another_time_zone():
	# the site stores America/New_York; the desk works 09–17 in Berlin
	make_sla(default=True, time_zone="Europe/Berlin", priorities={"Medium": (1, 8)})
	system_tz = frappe.utils.get_system_timezone()
	from zoneinfo import ZoneInfo

	opening_berlin = datetime(2027, 1, 4, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # before Berlin opens
	opening = opening_berlin.astimezone(ZoneInfo(system_tz)).replace(tzinfo=None)
	ticket = ticket_at(opening)
	expected = datetime(2027, 1, 4, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # 09:00 + 1 h Berlin
	assert ticket.response_by == expected.astimezone(ZoneInfo(system_tz)).replace(tzinfo=None)


def test_resolving_in_time_fulfils_and_late_fails(sla):
	on_time = ticket_at(MON)
	save_at(on_time, dt(2027, 1, 5, 10, 0), status="Resolved", resolution_date=dt(2027, 1, 5, 10, 0))
	assert on_time.agreement_status == "Fulfilled"
	late = ticket_at(MON)
	save_at(late, dt(2027, 1, 8, 10, 0), status="Resolved", resolution_date=dt(2027, 1, 8, 10, 0))
	assert late.agreement_status == "Failed"


def test_refresh_marks_breaches_failed_set_based(sla):
	breached = ticket_at(MON)
	fine = ticket_at(dt(2027, 1, 6, 9, 0))
	paused = ticket_at(MON)
	with clock(MON):
		paused.status = "In Progress"
		paused.save()
		paused.status = "Waiting on Customer"
		paused.save()
	names = [breached.name, fine.name, paused.name]
	assert refresh_agreement_status(now=dt(2027, 1, 5, 12, 0), names=names) == 1
	statuses = {name: frappe.db.get_value("Ticket", name, "agreement_status") for name in names}
	assert statuses == {breached.name: "Failed", fine.name: "First Response Due", paused.name: "Paused"}
	assert refresh_agreement_status(now=dt(2027, 1, 5, 12, 0), names=names) == 0  # idempotent


def test_a_ticket_without_any_agreement_has_no_deadlines():
	frappe.db.set_value("Service Level Agreement", {"enabled": 1}, "enabled", 0)
	ticket = ticket_at(MON)
	assert not ticket.service_level_agreement and not ticket.response_by and not ticket.agreement_status
