"""The inbound SMS inbox (crm_suite.crm.messaging_inbox): the webhook stores, a job matches and stores.

Replays of one message id at once store it once; the messages of a conversation are stored in the order
they came; a worker killed mid-batch leaves the rest pending and the rerun stores each message once; two
jobs at once store each message once; the job's set-based matching is the call webhook's, number by number.
"""

import signal

import frappe
import pytest
import requests

from crm_suite.crm.messaging_inbox import lane_of, match_numbers, purge_inbox, queue_inbound
from crm_suite.crm.telephony import match_number
from crm_suite.devserver import start_command
from tests.integration.channels.conftest import SMS_TOKEN, italian_mobile, store_inbox
from tests.integration.factories import make_customer, make_lead, unique
from tests.integration.sessions import run_together, wait_until


def post(server, payload: dict):
	return requests.post(
		f"{server.url}/api/method/crm_suite.crm.sms.inbound",
		json=payload,
		headers={"Host": server.host, "X-Webhook-Token": SMS_TOKEN},
		timeout=30,
	)


def stored(number: str) -> list:
	frappe.db.rollback()
	return frappe.get_all(
		"Interaction",
		{"normalised_phone": number},
		["name", "message_id", "notes", "interaction_time", "reference_doctype", "reference_name"],
		order_by="creation, name",
	)


def numbers_in_both_lanes(each: int) -> list[str]:
	"""New mobile numbers, `each` of them in each of the inbox's two lanes."""
	numbers, by_lane = [], {0: 0, 1: 0}
	while len(numbers) < 2 * each:
		number = italian_mobile()
		if by_lane.get(lane_of(number), each) < each:
			by_lane[lane_of(number)] += 1
			numbers.append(number)
	return numbers


def queue_as_guest(message_id: str, number: str, text: str):
	frappe.set_user("Guest")
	return queue_inbound("SMS", message_id, number, text)


@pytest.mark.commits
def test_replays_at_once_are_queued_and_stored_once(channels, site):
	number = italian_mobile()
	channels.numbers.append(number)
	same = unique("gw-")
	works = [lambda: queue_as_guest(same, number, "twice?") for _ in range(8)]
	works += [lambda i=i: queue_as_guest(f"{same}-{i}", number, f"message {i}") for i in range(4)]
	results = run_together(site, works)
	assert not [r for r in results if isinstance(r, Exception)], results
	statuses = sorted(r["status"] for r in results)
	assert statuses.count("queued") == 5 and statuses.count("duplicate") == 7
	assert frappe.db.count("Channel Inbox", {"phone_number": number}) == 5
	store_inbox()
	rows = stored(number)
	assert len(rows) == 5 and len({r.message_id for r in rows}) == 5
	assert len({(r.reference_doctype, r.reference_name) for r in rows}) == 1  # one lead for the number
	assert frappe.db.count("Lead", {"mobile_no": number}) == 1
	# a replay after the job stored it: nothing queued, nothing stored again
	assert queue_as_guest(same, number, "again")["status"] == "duplicate"
	frappe.db.commit()
	store_inbox()
	assert len(stored(number)) == 5


def test_a_conversation_is_stored_in_the_order_it_came_over_http(channels, server):
	number, other = italian_mobile(), italian_mobile()
	channels.numbers.extend([number, other])
	sent = []
	for i in range(6):
		for n in (number, other):
			payload = {"message_id": unique("gw-"), "from": n, "text": f"{n} #{i}"}
			r = post(server, payload)
			assert r.status_code == 200 and r.json()["message"]["status"] == "queued", r.text
			sent.append(payload)
	store_inbox()
	for n in (number, other):
		rows = stored(n)
		assert [r.notes for r in rows] == [f"{n} #{i}" for i in range(6)]
		assert [r.interaction_time for r in rows] == sorted(r.interaction_time for r in rows)
		assert {(r.reference_doctype, r.reference_name) for r in rows} == {
			("Lead", frappe.db.get_value("Lead", {"mobile_no": n}))
		}
	frappe.db.rollback()
	keys = [f"SMS:{p['message_id']}" for p in sent]
	assert frappe.db.count("Channel Inbox", {"name": ("in", keys), "status": "Done"}) == len(keys)


@pytest.mark.commits
def test_a_worker_killed_mid_batch_leaves_the_rest_and_the_rerun_stores_each_once(channels, site):
	numbers = numbers_in_both_lanes(3)
	channels.numbers.extend(numbers)
	keys = []
	frappe.set_user("Guest")
	for i in range(15):
		for number in numbers:
			message_id = unique("gw-")
			assert queue_inbound("SMS", message_id, number, f"#{i}")["status"] == "queued"
			keys.append(f"SMS:{message_id}")
	frappe.db.commit()
	frappe.set_user("Administrator")
	job = start_command("execute", "crm_suite.crm.messaging_inbox.process_inbox", site=site)

	def stored_some():
		return frappe.db.count("Channel Inbox", {"name": ("in", keys), "status": "Done"})

	try:  # the job has committed some messages: kill it (SIGKILL, no clean-up)
		wait_until(lambda: stored_some() or job.poll() is not None, timeout=120)
	finally:
		job.send_signal(signal.SIGKILL)
		job.wait(timeout=30)
	frappe.db.rollback()
	print(f"killed with {stored_some()} of {len(keys)} stored")
	store_inbox()  # the rerun (the next job, or the sweep's)
	frappe.db.rollback()
	assert frappe.db.count("Channel Inbox", {"name": ("in", keys), "status": "Done"}) == len(keys)
	for number in numbers:
		rows = stored(number)
		assert len(rows) == 15 and len({r.message_id for r in rows}) == 15
		assert [r.notes for r in rows] == [f"#{i}" for i in range(15)]
		assert frappe.db.count("Lead", {"mobile_no": number}) == 1


@pytest.mark.commits
def test_jobs_at_once_store_each_message_once_in_order(channels, site):
	"""Each lane's job and an all-lanes one at once (the lanes' jobs store in parallel, the all-lanes one
	waits for their locks): no deadlock, each message once, each conversation in order."""
	numbers = numbers_in_both_lanes(3)
	channels.numbers.extend(numbers)
	frappe.set_user("Guest")
	for i in range(5):
		for number in numbers:
			queue_inbound("SMS", unique("gw-"), number, f"#{i}")
	frappe.db.commit()
	frappe.set_user("Administrator")

	def job(lane=None):
		from crm_suite.crm.messaging_inbox import process_inbox

		frappe.set_user("Guest")
		return process_inbox(lane)

	results = run_together(site, [lambda: job(0), lambda: job(1), job, lambda: job(0)])
	assert not [r for r in results if isinstance(r, Exception)], results
	for number in numbers:
		rows = stored(number)
		assert [r.notes for r in rows] == [f"#{i}" for i in range(5)]
		assert frappe.db.count("Lead", {"mobile_no": number}) == 1


def test_the_batch_matches_each_number_as_the_call_webhook_does(site):
	customer_number, contact_number, lead_number, converted_number, unknown = (
		italian_mobile() for _ in range(5)
	)
	try:
		customer = make_customer(mobile_no=customer_number.replace("+39", "0039 "))
		make_customer(mobile_no=lead_number, disabled=1)  # a disabled customer does not count
		other = make_customer()
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": unique("Contact "),
				"phone_nos": [{"phone": "333 " + contact_number[6:], "is_primary_mobile_no": 1}],
				"links": [{"link_doctype": "Customer", "link_name": other.name}],
			}
		).insert(ignore_permissions=True)
		lead = make_lead(mobile_no=lead_number)
		converted = make_lead(phone=converted_number)
		frappe.db.set_value("Lead", converted.name, {"status": "Converted", "customer": other.name})
		open_lead = make_lead(mobile_no=converted_number.replace("+39", ""))
		numbers = [customer_number, contact_number, lead_number, converted_number, unknown]
		batch = match_numbers(numbers)
		for number in numbers:
			assert batch.get(number, {}) == match_number(number), number
		assert batch[customer_number] == {"customer": customer.name}
		assert batch[contact_number] == {"contact": contact.name, "customer": other.name}
		assert batch[lead_number] == {"lead": lead.name, "customer": None}
		assert batch[converted_number]["lead"] == open_lead.name  # the unconverted one first
		assert unknown not in batch
	finally:
		frappe.db.rollback()


@pytest.mark.commits
def test_stored_messages_leave_the_inbox_after_30_days_and_a_late_replay_is_not_stored_again(channels):
	number = italian_mobile()
	channels.numbers.append(number)
	old, failed, new = unique("gw-"), unique("gw-"), unique("gw-")
	for message_id in (old, failed, new):
		queue_as_guest(message_id, number, message_id)
	frappe.db.commit()
	store_inbox()
	frappe.db.set_value("Channel Inbox", f"SMS:{failed}", "status", "Failed", update_modified=False)
	long_ago = frappe.utils.add_days(frappe.utils.now_datetime(), -31)
	for message_id in (old, failed):
		frappe.db.set_value("Channel Inbox", f"SMS:{message_id}", "modified", long_ago, update_modified=False)
	frappe.db.commit()
	purge_inbox()
	frappe.db.rollback()
	assert not frappe.db.exists("Channel Inbox", f"SMS:{old}")
	assert frappe.db.exists("Channel Inbox", f"SMS:{failed}")  # kept for someone to look at
	assert frappe.db.exists("Channel Inbox", f"SMS:{new}")
	assert queue_as_guest(old, number, "late replay")["status"] == "queued"
	frappe.db.commit()
	store_inbox()
	rows = stored(number)
	assert len(rows) == 3 and len({r.message_id for r in rows}) == 3
	assert frappe.db.get_value("Channel Inbox", f"SMS:{old}", "status") == "Done"


@pytest.mark.commits
def test_a_message_that_fails_is_marked_failed_and_the_rest_are_stored(channels, committed):
	"""A message the site refuses (here a Server Script, the site's own rule, on Interaction) is rolled back
	whole with the batch's uncommitted ones, its row Failed with the error and an Error Log; the job reads
	the pending rows again and stores the others, in order."""
	from frappe.utils.safe_exec import is_safe_exec_enabled

	assert is_safe_exec_enabled(), "run `bench set-config -g server_script_enabled 1` (see docs/platform.md)"
	marker = unique("refused ")
	committed(
		frappe.get_doc(
			{
				"doctype": "Server Script",
				"name": unique("Refuse Interaction "),
				"script_type": "DocType Event",
				"reference_doctype": "Interaction",
				"doctype_event": "Before Insert",
				"script": f"if doc.notes == '{marker}':\n\tfrappe.throw('{marker}')\n",
			}
		).insert()
	)
	number = italian_mobile()
	channels.numbers.append(number)
	customer = committed(make_customer(mobile_no=number))  # known: the first message is not committed alone
	frappe.db.commit()
	ids = [unique("gw-") for _ in range(4)]
	for message_id, text in zip(ids, ["first", marker, "third", "fourth"], strict=True):
		queue_as_guest(message_id, number, text)
	frappe.db.commit()
	errors = frappe.db.count("Error Log")
	store_inbox()
	rows = stored(number)
	assert [r.notes for r in rows] == ["first", "third", "fourth"]
	assert {(r.reference_doctype, r.reference_name) for r in rows} == {("Customer", customer.name)}
	failed = frappe.db.get_value(
		"Channel Inbox", f"SMS:{ids[1]}", ["status", "interaction", "error"], as_dict=True
	)
	assert failed.status == "Failed" and not failed.interaction and marker in failed.error
	assert frappe.db.count("Error Log") == errors + 1
	assert [frappe.db.get_value("Channel Inbox", f"SMS:{i}", "status") for i in ids] == [
		"Done",
		"Failed",
		"Done",
		"Done",
	]
