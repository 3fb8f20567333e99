"""The inbound SMS inbox: the webhook stores the message and answers; a `short`-queue job matches and stores it.

The shape Meta recommends for webhooks, and what lets one 2-core machine take 50 messages a second: the
webhook checks the token and the payload, inserts one *Channel Inbox* row (named by the provider's message
id, so a replay inserts nothing: `insert ignore` on the primary key) and answers 200. Each number has a
lane (a hash of its E.164 form; `crm_inbox_lanes` in the site config, default 2: one per core), each lane
its job. After the commit the webhook queues its lane's job unless one is queued or running (a Redis key
set with NX, which the job owns until it ends: `process_inbox` tells how no message is left behind). The
job takes its lane's named lock (one job a lane at a time: the messages of a conversation are stored in
the order they came) and stores the lane's pending rows oldest first through
`crm_suite.crm.messaging.record_inbound` (matching, threading, the lead or ticket an unknown number makes,
consent), each row marked Done in the same transaction as its Interaction. A worker killed mid-batch
leaves the rest Pending: the next job (or the sweep every minute) stores them, each once (the
Interaction's message id is unique, a stored one answers "duplicate").
"""

import time
import zlib

import frappe
from frappe import _
from frappe.query_builder import DocType
from rq.timeouts import BaseTimeoutException

from crm_suite.crm import messaging
from crm_suite.crm.messaging_rules import conversation_key
from crm_suite.sales.contact_lookup import phone_digit_forms
from crm_suite.utils.contact_details import normalise_phone

INBOX = "Channel Inbox"
LOCK = "crm_suite:channel_inbox:{}"  # a lane's
LOCK_TIMEOUT = 60  # seconds a second job of a lane waits for the one that is storing
QUEUED_KEY = "crm_suite:channel_inbox:queued:{}"  # a lane's
QUEUED_TTL = 120  # seconds: a key left by a job that was never queued expires (and the sweep queues one)
BATCH = 200
COMMIT_EVERY = 20
KEEP_DAYS = 30  # Done rows kept this long (purge_inbox)
LINGER = 1.0  # seconds a drained job waits for more messages before it ends
POLL = 0.5  # seconds between looks: at 50 messages a second a lane takes about 12 a batch


def queue_inbound(
	channel: str, message_id: str, number: str, text: str | None = None, timestamp=None
) -> dict:
	"""Store the message for the job; {"status": "queued" | "duplicate", "message_id"}."""
	key = f"{channel}:{message_id}"
	lane = lane_of(normalise_phone(number, messaging.region()) or number)
	Inbox = DocType(INBOX)
	now = frappe.utils.now_datetime()
	user = frappe.session.user
	(
		frappe.qb.into(Inbox)
		.columns(
			Inbox.name,
			Inbox.creation,
			Inbox.modified,
			Inbox.owner,
			Inbox.modified_by,
			Inbox.message_key,
			Inbox.channel,
			Inbox.message_id,
			Inbox.phone_number,
			Inbox.received_on,
			Inbox.status,
			Inbox.text,
			Inbox.lane,
		)
		# without the gateway's time, the time it came: the Interaction's, however late the job runs
		.insert(
			key,
			now,
			now,
			user,
			user,
			key,
			channel,
			message_id,
			number,
			timestamp or now,
			"Pending",
			text,
			lane,
		)
		.ignore()  # a replay: the row is there already (the primary key is the provider's id)
	).run()
	if not frappe.db._cursor.rowcount:
		return {"status": "duplicate", "message_id": message_id}
	frappe.db.after_commit.add(lambda: queue_job(lane))
	return {"status": "queued", "message_id": message_id}


def lanes() -> int:
	return max(int(frappe.conf.get("crm_inbox_lanes") or 2), 1)


def lane_of(number: str) -> int:
	"""The lane of a number (its E.164 form when it has one): all of a conversation's messages share it."""
	return zlib.crc32(number.encode()) % lanes()


def queue_job(lane: int) -> None:
	"""Queue the lane's `process_inbox` unless one is queued and not yet started."""
	if frappe.cache.set(frappe.cache.make_key(QUEUED_KEY.format(lane)), 1, nx=True, ex=QUEUED_TTL):
		frappe.enqueue("crm_suite.crm.messaging_inbox.process_inbox", queue="short", timeout=1800, lane=lane)


def pending(lane: int | None, limit: int = BATCH) -> list:
	Inbox = DocType(INBOX)
	query = (
		frappe.qb.from_(Inbox)
		.select(
			Inbox.name, Inbox.channel, Inbox.message_id, Inbox.phone_number, Inbox.text, Inbox.received_on
		)
		.where(Inbox.status == "Pending")
		.orderby(Inbox.creation)
		.orderby(Inbox.name)
		.limit(limit)
	)
	return (query if lane is None else query.where(Inbox.lane == lane)).run(as_dict=True)


def process_inbox(lane: int | None = None) -> int:
	"""Store the lane's pending inbound messages, oldest first (the `short`-queue job); every lane's when
	`lane` is None (holding every lane's lock). Returns how many it stored.

	A lane's job owns the lane's queued key (set when it was queued) while it runs, so the webhook queues
	no other; drained, it waits up to LINGER seconds for more (a job's start costs more than a message),
	then deletes the key and looks once more: a message committed before that is seen, one after it
	queued a new job."""
	own = range(lanes()) if lane is None else [lane]
	if lane is None:
		for n in own:  # a message stored from now on queues a lane's job
			frappe.cache.delete(frappe.cache.make_key(QUEUED_KEY.format(n)))
	frappe.db.commit()  # a fresh snapshot
	held = []
	for n in own:  # in lane order: two all-lanes jobs queue on the first, never each on the other's
		if not frappe.db.sql("select get_lock(%s, %s)", (LOCK.format(n), LOCK_TIMEOUT))[0][0]:
			for h in held:
				frappe.db.sql("select release_lock(%s)", LOCK.format(h))
			if lane is not None:  # the lane's other job stores; the next message (or the sweep) queues one
				frappe.cache.delete(frappe.cache.make_key(QUEUED_KEY.format(lane)))
			return 0
		held.append(n)
	done = 0
	try:
		while True:
			done += drain(lane)
			if lane is None or not still_pending(lane):
				break
	finally:
		frappe.db.rollback()
		for n in held:
			frappe.db.sql("select release_lock(%s)", LOCK.format(n))
	return done


def drain(lane: int | None) -> int:
	"""Store pending rows until there are none."""
	done = 0
	key = frappe.cache.make_key(QUEUED_KEY.format(lane))
	while rows := pending(lane):
		if lane is not None:
			frappe.cache.expire(key, QUEUED_TTL)  # still running: no other job for the lane
		batch, uncommitted = Batch(rows), 0
		for row in rows:
			if not store(row, batch):
				done -= uncommitted  # rolled back: they are pending again, read afresh in order
				break
			done, uncommitted = done + 1, uncommitted + 1
			# a few rows a transaction; a lead or ticket made at once (its locks not held long)
			if uncommitted >= COMMIT_EVERY or batch.made:
				frappe.db.commit()
				batch.made, uncommitted = False, 0
		frappe.db.commit()
	return done


def still_pending(lane: int) -> bool:
	"""After a drain: wait up to LINGER seconds for more; then give up the lane's key and look once more
	(True: more came and this job took the key back, go on)."""
	key = frappe.cache.make_key(QUEUED_KEY.format(lane))
	for _poll in range(int(LINGER / POLL)):
		time.sleep(POLL)
		frappe.db.commit()  # a fresh snapshot
		if pending(lane, limit=1):
			return True
	frappe.cache.delete(key)
	frappe.db.commit()
	return bool(pending(lane, limit=1)) and bool(frappe.cache.set(key, 1, nx=True, ex=QUEUED_TTL))


def store(row, batch) -> bool:
	"""Store one inbox row as an Interaction and mark it Done, in the job's transaction. A failure rolls the
	transaction back, marks the row Failed (with an Error Log) and returns False: the job reads the
	pending rows again."""
	try:
		result = messaging.record_inbound(
			row.channel, row.message_id, row.phone_number, row.text, row.received_on, batch=batch
		)
	except BaseTimeoutException:
		raise  # the job's time is up (RQ): the row stays Pending for the next job
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=_("Inbound {0} {1} not stored").format(_(row.channel), row.message_id))
		mark(row.name, "Failed", error=frappe.get_traceback()[-1000:])
		frappe.db.commit()
		return False
	interaction = result.get("interaction") or frappe.db.get_value(
		"Interaction", {"message_id": f"{row.channel}:{row.message_id}"}, "name"
	)
	batch.done(row.name, interaction)
	return True


class Batch:
	"""What a batch's messages are linked to, read set-based before the first is stored: the matches of all
	its numbers (three queries: `match_numbers`) and the open tickets of all its conversations (one). Kept
	up to date as its messages are stored (a lead or ticket the first message of a number makes)."""

	def __init__(self, rows):
		reg = messaging.region()
		for row in rows:
			row.e164 = normalise_phone(row.phone_number, reg)
			row.conversation = conversation_key(row.channel, row.e164 or row.phone_number)
		self.matches = match_numbers([r.e164 for r in rows if r.e164])
		self.tickets = open_tickets([r.conversation for r in rows])
		Interaction = DocType("Interaction")
		self.stored_ids = set(
			(
				frappe.qb.from_(Interaction)
				.select(Interaction.message_id)
				.where(Interaction.message_id.isin([f"{r.channel}:{r.message_id}" for r in rows]))
			).run(pluck=True)
		)
		self.made = False  # a lead or ticket made since the last commit
		self.stored_rows: list[tuple[str, str]] = []  # (inbox row, its Interaction) of this transaction

	def done(self, name: str, interaction: str | None) -> None:
		"""Mark the row Done in the transaction that stores its Interaction: one update for all the rows of
		the transaction, just before it commits (whoever commits it: the job, or record_inbound before a
		lead or ticket is made); a rollback forgets them with the callback (they are pending again)."""
		if self.mark_done not in frappe.db.before_commit._functions:
			self.stored_rows = []
			frappe.db.before_commit.add(self.mark_done)
		self.stored_rows.append((name, interaction))

	def mark_done(self) -> None:
		rows, self.stored_rows = self.stored_rows, []
		if not rows:
			return
		Inbox = DocType(INBOX)
		interaction = frappe.qb.terms.Case()
		for name, stored_as in rows:
			interaction = interaction.when(Inbox.name == name, stored_as)
		(
			frappe.qb.update(Inbox)
			.set(Inbox.status, "Done")
			.set(Inbox.interaction, interaction)
			.set(Inbox.error, None)
			.set(Inbox.modified, frappe.utils.now_datetime())
			.where(Inbox.name.isin([name for name, _stored_as in rows]))
		).run()

	def is_stored(self, mid: str) -> bool:
		return mid in self.stored_ids

	def link(self, e164: str | None, conversation: str) -> dict | None:
		"""As messaging.link_inbound links a message from a known number; None for the others (it runs)."""
		match = self.matches.get(e164) if e164 else None
		if not match:
			return None
		if ticket := self.tickets.get(conversation):
			return {**match, "reference_doctype": "Ticket", "reference_name": ticket}
		if match.get("customer"):
			return {**match, "reference_doctype": "Customer", "reference_name": match["customer"]}
		return {**match, "reference_doctype": "Lead", "reference_name": match["lead"]}

	def stored(self, mid: str, e164: str | None, conversation: str, link: dict) -> None:
		self.stored_ids.add(mid)
		self.made = self.made or bool(link.get("created"))
		if link.get("reference_doctype") == "Ticket":
			self.tickets[conversation] = link["reference_name"]
		if e164 and link.get("lead") and not self.matches.get(e164):
			self.matches[e164] = {"lead": link["lead"], "customer": None}


def match_numbers(numbers: list[str]) -> dict[str, dict]:
	"""crm_suite.crm.telephony.match_number for many E.164 numbers at once, by the same rules and the same
	indexed columns: {number: {"customer", "contact", "lead"}} for the numbers that match."""
	numbers = sorted(set(numbers))
	if not numbers:
		return {}
	forms = {n: set(phone_digit_forms(n)) for n in numbers}
	digits = sorted(set().union(*forms.values()))
	Customer, Lead = DocType("Customer"), DocType("Lead")
	Contact, Phone, Link = DocType("Contact"), DocType("Contact Phone"), DocType("Dynamic Link")
	customers = (
		frappe.qb.from_(Customer)
		.select(Customer.name, Customer.disabled, Customer.phone_digits, Customer.mobile_digits)
		.where(Customer.phone_digits.isin(digits) | Customer.mobile_digits.isin(digits))
		.orderby(Customer.creation)
	).run(as_dict=True)
	contacts = (
		frappe.qb.from_(Phone)
		.join(Contact)
		.on(Contact.name == Phone.parent)
		.select(Contact.name, Phone.phone_digits)
		.where(Phone.phone_digits.isin(digits) & (Phone.parenttype == "Contact"))
		.orderby(Contact.creation)
	).run(as_dict=True)
	contact_customer = {}
	if contacts:
		for row in (
			frappe.qb.from_(Link)
			.select(Link.parent, Link.link_name)
			.where(
				(Link.parenttype == "Contact")
				& (Link.link_doctype == "Customer")
				& Link.parent.isin([c.name for c in contacts])
			)
			.orderby(Link.idx, order=frappe.qb.desc)
		).run(as_dict=True):
			contact_customer[row.parent] = row.link_name  # the lowest idx last: it wins
	leads = (
		frappe.qb.from_(Lead)
		.select(
			Lead.name,
			Lead.customer,
			Lead.status,
			Lead.phone_e164,
			Lead.mobile_e164,
			Lead.phone_digits,
			Lead.mobile_digits,
		)
		.where(
			(
				Lead.phone_e164.isin(numbers)
				| Lead.mobile_e164.isin(numbers)
				| Lead.phone_digits.isin(digits)
				| Lead.mobile_digits.isin(digits)
			)
			& Lead.merged_into.isnull()
		)
		.orderby(Lead.creation)
	).run(as_dict=True)
	found = {}
	for number in numbers:
		f = forms[number]
		if customer := next(
			(c for c in customers if not c.disabled and (c.phone_digits in f or c.mobile_digits in f)), None
		):
			found[number] = {"customer": customer.name}
		elif contact := next((c for c in contacts if c.phone_digits in f), None):
			found[number] = {"contact": contact.name, "customer": contact_customer.get(contact.name)}
		elif own := [
			r
			for r in leads
			if number in (r.phone_e164, r.mobile_e164) or r.phone_digits in f or r.mobile_digits in f
		]:
			lead = sorted(reversed(own), key=lambda r: r.status == "Converted")[0]
			found[number] = {"lead": lead.name, "customer": lead.customer}
	return found


def open_tickets(conversations: list[str]) -> dict[str, str]:
	"""messaging.open_ticket_of for many conversations: {conversation: the ticket its latest message on a
	ticket that is not Closed is on}."""
	conversations = sorted(set(conversations))
	if not conversations:
		return {}
	Interaction, Ticket = DocType("Interaction"), DocType("Ticket")
	rows = (
		frappe.qb.from_(Interaction)
		.join(Ticket)
		.on(Ticket.name == Interaction.reference_name)
		.select(Interaction.conversation, Ticket.name)
		.where(
			Interaction.conversation.isin(conversations)
			& (Interaction.reference_doctype == "Ticket")
			& (Ticket.status != "Closed")
		)
		.orderby(Interaction.interaction_time)
	).run()
	return dict(rows)  # the latest last: it wins


def mark(name: str, status: str, interaction: str | None = None, error: str | None = None) -> None:
	Inbox = DocType(INBOX)
	(
		frappe.qb.update(Inbox)
		.set(Inbox.status, status)
		.set(Inbox.interaction, interaction)
		.set(Inbox.error, error)
		.set(Inbox.modified, frappe.utils.now_datetime())
		.where(Inbox.name == name)
	).run()


def sweep_inbox() -> None:
	"""Every minute (scheduler): the lanes with pending messages and no job queued get one."""
	Inbox = DocType(INBOX)
	for lane in (frappe.qb.from_(Inbox).select(Inbox.lane).distinct().where(Inbox.status == "Pending")).run(
		pluck=True
	):
		queue_job(lane)


def purge_inbox(days: int = KEEP_DAYS) -> None:
	"""Daily: the rows stored more than `days` ago go (a replay of one later is queued again and found
	stored: the Interaction's message id is unique). Failed rows stay, for someone to look at."""
	Inbox = DocType(INBOX)
	cutoff = frappe.utils.add_days(frappe.utils.now_datetime(), -days)
	# one set-based delete (qb), in chunks so a large backlog doesn't hold locks long
	while True:
		(
			frappe.qb.from_(Inbox)
			.delete()
			.where((Inbox.status == "Done") & (Inbox.modified < cutoff))
			.limit(5000)
		).run()
		deleted = frappe.db._cursor.rowcount
		frappe.db.commit()
		if deleted < 5000:
			break
