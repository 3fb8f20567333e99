"""Many deliveries at once (each in its own database session, as gunicorn workers run them): the same
message delivered six times is stored once, and the first messages of an unknown number arriving together
make one lead; no deadlock, nothing lost."""

import frappe
import pytest

from crm_suite.crm.messaging import record_inbound
from tests.integration.channels.conftest import italian_mobile
from tests.integration.factories import unique
from tests.integration.sessions import run_together


@pytest.mark.commits
def test_concurrent_deliveries_store_each_message_once_and_make_one_lead(channels, site):
	number = italian_mobile()
	channels.numbers.append(number)
	same = unique("gw-")
	works = [lambda: record_inbound("SMS", same, number, "twice?") for _ in range(6)]
	works += [lambda i=i: record_inbound("SMS", f"{same}-{i}", number, f"message {i}") for i in range(6)]
	results = run_together(site, works)
	assert not [r for r in results if isinstance(r, Exception)], results
	assert sorted(r["status"] for r in results).count("recorded") == 7
	assert sum(r["status"] == "duplicate" for r in results) == 5
	frappe.db.rollback()
	rows = frappe.get_all(
		"Interaction", {"normalised_phone": number}, ["message_id", "reference_doctype", "reference_name"]
	)
	assert len(rows) == 7 and len({r.message_id for r in rows}) == 7
	leads = frappe.get_all("Lead", {"mobile_no": number}, pluck="name")
	assert len(leads) == 1
	assert {(r.reference_doctype, r.reference_name) for r in rows} == {("Lead", leads[0])}


@pytest.mark.commits
def test_first_messages_from_neighbouring_unknown_numbers_at_once_do_not_deadlock(channels, site):
	"""Numbers next to each other in the conversation index: a locking read there once made their
	inserts deadlock (each held a shared gap lock the other's insert waited for)."""
	base = int(italian_mobile()[6:]) // 10 * 10
	numbers = [f"+39333{base + i}" for i in range(8)]
	channels.numbers.extend(numbers)
	works = [lambda n=n: record_inbound("SMS", unique("gw-"), n, "ciao") for n in numbers]
	results = run_together(site, works)
	assert not [r for r in results if isinstance(r, Exception)], results
	assert all(r["status"] == "recorded" and r["created"] == "Lead" for r in results)
	frappe.db.rollback()
	assert frappe.db.count("Lead", {"mobile_no": ("in", numbers)}) == 8
