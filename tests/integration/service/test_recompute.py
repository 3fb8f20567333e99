"""Editing a Service Holiday List (or an agreement's hours) moves the deadlines of the open tickets under
the agreements using it: set-based recompute, queued on the "long" queue after the edit commits.
2027-01-04 is a Monday; the agreement serves Monday–Friday 09:00–17:00, Medium: 4 h response, 16 h
resolution."""

from datetime import datetime

import frappe
import pytest
from frappe.utils.background_jobs import generate_qname, get_job
from rq.job import JobStatus

from crm_suite.service.sla import recompute_job_id, recompute_open_tickets
from tests.integration.factories import make_ticket
from tests.integration.service.helpers import clock, make_agent, make_sla

MON = datetime(2027, 1, 4, 15, 0)
TUE = "2027-01-05"
# Monday 15:00 + 4 h = Tuesday 11:00; + 16 h = Monday 2 h, Tuesday 8 h, Wednesday 6 h = Wednesday 15:00.
BEFORE = (datetime(2027, 1, 5, 11, 0), datetime(2027, 1, 6, 15, 0))
# With Tuesday a holiday, every deadline moves on by one business day.
AFTER = (datetime(2027, 1, 6, 11, 0), datetime(2027, 1, 7, 15, 0))


def deadlines(ticket) -> tuple:
	return frappe.db.get_value("Ticket", ticket.name, ["response_by", "resolution_by"])


def ticket_on(sla, **kw):
	with clock(MON):
		return make_ticket(opening_date=MON, service_level_agreement=sla.name, priority="Medium", **kw)


def add_holiday(holiday_list: str, day: str):
	doc = frappe.get_doc("Service Holiday List", holiday_list)
	doc.append("holidays", {"holiday_date": day, "description": "Office closed"})
	doc.save()
	return doc


def test_adding_a_holiday_moves_the_open_tickets_deadlines():
	sla = make_sla(holidays=["2027-03-01"])
	open_ticket, resolved = ticket_on(sla), ticket_on(sla)
	with clock(datetime(2027, 1, 4, 16, 0)):
		resolved.status = "Resolved"
		resolved.save()
	other = ticket_on(make_sla())  # another agreement: not affected
	assert deadlines(open_ticket) == BEFORE
	add_holiday(sla.holiday_list, TUE)
	with clock(MON):
		assert recompute_open_tickets(sla=sla.name) == 2  # what the queued job runs, here uncommitted
		assert recompute_open_tickets(sla=sla.name) == 0  # nothing moved since: nothing written
	assert deadlines(open_ticket) == AFTER
	assert deadlines(resolved)[1] == BEFORE[1]  # a resolved ticket keeps the deadline it was judged by
	assert deadlines(other) == BEFORE


def test_the_bulk_write_escapes_names_and_keeps_microseconds():
	"""The recompute renders its VALUES itself: a name with quotes and a backslash is written to its own
	ticket only, and fractions of a second survive the round trip."""
	sla = make_sla(holidays=["2027-03-01"])
	odd, plain = ticket_on(sla), ticket_on(sla)
	odd_name = "TKT-O'Brien\\\\'; --"
	frappe.db.sql(
		"update `tabTicket` set name = %s, opening_date = %s where name = %s",
		(odd_name, datetime(2027, 1, 4, 15, 0, 0, 250000), odd.name),
	)
	add_holiday(sla.holiday_list, TUE)
	with clock(MON):
		assert recompute_open_tickets(sla=sla.name) == 2
		assert recompute_open_tickets(sla=sla.name) == 0  # the stored text reads back equal
	assert frappe.db.get_value("Ticket", odd_name, ["response_by", "resolution_by"]) == tuple(
		d.replace(microsecond=250000) for d in AFTER
	)
	assert deadlines(plain) == AFTER


def test_the_recompute_reads_in_chunks_and_calls_back_after_each():
	sla = make_sla(holidays=["2027-03-01"])
	tickets = [ticket_on(sla) for _ in range(5)]
	add_holiday(sla.holiday_list, TUE)
	after: list[str] = []
	with clock(MON):
		assert recompute_open_tickets(sla=sla.name, chunk=2, after_chunk=after.append) == 5
	names = sorted(t.name for t in tickets)
	assert after == [names[1], names[3], names[4]]  # the last name of each chunk: where a rerun may go on
	assert {deadlines(t) for t in tickets} == {AFTER}


def test_a_support_agent_cannot_edit_the_holidays_and_nothing_moves():
	sla = make_sla(holidays=["2027-03-01"])
	ticket = ticket_on(sla)
	frappe.set_user(make_agent().name)
	with pytest.raises(frappe.PermissionError):
		add_holiday(sla.holiday_list, TUE)
	frappe.set_user("Administrator")
	assert frappe.db.count("Service Holiday", {"parent": sla.holiday_list}) == 1
	assert deadlines(ticket) == BEFORE


@pytest.fixture
def queued_job():
	"""The recompute job ids a test lets Frappe queue in Redis; no worker runs on the test bench, so they
	are run here and deleted afterwards."""
	ids: list[str] = []
	yield ids
	for job_id in ids:
		if job := get_job(job_id):
			job.delete()


def test_an_edit_queues_one_recompute_job_on_the_long_queue(committed, queued_job):
	"""Committed, as the job only sees committed edits: a holiday and then the agreement's hours are
	edited while the job waits; one job is queued (deduplicated by its id); an edit while it runs
	queues one follow-up; run as the worker would, it moves the ticket's deadlines."""
	sla = committed(make_sla(holidays=["2027-03-01"]))
	committed(frappe.get_doc("Service Holiday List", sla.holiday_list))
	ticket = committed(ticket_on(sla))
	frappe.db.commit()
	job_id = recompute_job_id(sla.name)
	queued_job.append(job_id)
	assert get_job(job_id) is None

	add_holiday(sla.holiday_list, TUE)
	frappe.db.commit()
	job = get_job(job_id)
	assert job and job.get_status() == JobStatus.QUEUED and job.origin == generate_qname("long")
	assert job.kwargs["method"] == "crm_suite.service.sla.recompute_agreement"
	assert job.kwargs["kwargs"] == {"sla": sla.name} and job.kwargs["site"] == frappe.local.site

	sla = frappe.get_doc("Service Level Agreement", sla.name)
	sla.service_hours[0].start_time = "09:00:00"  # an edit of the hours (same value: no change)
	sla.save()
	frappe.db.commit()
	again = get_job(job_id)
	assert again.id == job.id and again.enqueued_at == job.enqueued_at  # not queued twice

	# While a job runs it may have read the old calendar: an edit then queues one follow-up run.
	job.set_status(JobStatus.STARTED)
	queued_job.append(job_id + "-again")
	add_holiday(sla.holiday_list, "2027-03-02")
	frappe.db.commit()
	follow_up = get_job(job_id + "-again")
	assert follow_up and follow_up.get_status() == JobStatus.QUEUED
	assert follow_up.kwargs["kwargs"] == {"sla": sla.name}

	assert deadlines(ticket) == BEFORE  # until the job runs
	with clock(MON):
		frappe.call(job.kwargs["method"], **job.kwargs["kwargs"])
	frappe.db.rollback()  # the job committed its chunks itself
	assert deadlines(ticket) == AFTER
