"""Scheduled outreach: each step of an Active campaign's schedule emails the target segment's members
(or sends them an SMS or a WhatsApp template: crm_suite.marketing.message_outreach).

Once-only delivery, even when the worker dies mid-run:
- every (campaign, step, recipient) gets one Campaign Send Log row, and the database refuses a second one
  (unique index on the three columns);
- the log row and the Email Queue row are written in the same transaction, a chunk of members at a time,
  and the chunk is committed as a whole. A crash loses at most the uncommitted chunk (both its logs and its
  queued emails), and the next run skips everybody who already has a log row. Two workers racing on the
  same step collide on the unique index; the loser skips that recipient.
- once every member has been handled the step is marked Sent, and the hourly job no longer looks at it.

One recipient's failure (a malformed address, a template that does not render for that member) is rolled
back to a savepoint, written to the Error Log and logged as a Failed row; the rest of the chunk goes on. A
Failed row counts as handled: a re-run does not retry it. What is not about one member stops the run with
the step left Pending (nothing is marked Sent): no outgoing Email Account (checked before anything is sent),
a template that doesn't compile, a database error, any other exception (raised, so the job fails and
Frappe logs it). A step that failed for every recipient it handled stays Pending too, with an Error Log.

Unsubscribes use Frappe's own mechanism: the unsubscribe link in each email (frappe.email.queue.unsubscribe)
writes an Email Unsubscribe for the campaign; those recipients, and globally unsubscribed addresses, get a
log row with status Unsubscribed and no email. Frappe's queue filters them again when it builds the email.
Each email also carries `List-Unsubscribe` and `List-Unsubscribe-Post` (one-click, RFC 8058) headers for its
recipient (crm_suite.marketing.unsubscribe), and Frappe's footer is written in the recipient's language.
"""

from collections.abc import Callable, Iterator

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.query_builder import DocType
from frappe.query_builder.functions import Lower
from frappe.utils import add_days, cint, getdate, now_datetime, today, validate_email_address
from jinja2 import TemplateError, nodes

from crm_suite.marketing import unsubscribe
from crm_suite.marketing.segments import get_member_rows
from crm_suite.utils.contact_details import normalise_email
from crm_suite.utils.i18n import email_language, in_language

CHUNK_SIZE = 200
EMAIL_FIELD = "email_id"  # the address field of both Customer and Lead
RECIPIENT_LENGTH = 140  # the Data column of Campaign Send Log.recipient
SAVEPOINT = "campaign_outreach_recipient"
# What one member's data can make fail (their address, the template rendered with their fields); any other
# error (no outgoing account, a lost connection, a deadlock) stops the run with the step left Pending.
RECIPIENT_ERRORS = (frappe.InvalidEmailAddressError, TemplateError, AttributeError, TypeError)
# Jinja nodes that pull in other templates or define callables: the fields they use can't be read off the
# template's own syntax tree, so members are read with every field.
OPAQUE_NODES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.Macro, nodes.CallBlock)


def step_due_date(start_date, day_offset: int):
	return getdate(add_days(start_date, int(day_offset or 0)))


def due_steps(campaign, on_date=None) -> list:
	"""The schedule steps of a campaign not yet sent whose day has come (start date + day offset <= on_date)."""
	if not campaign.start_date:
		return []
	on_date = getdate(on_date or today())
	return [
		s
		for s in campaign.schedule
		if s.status != "Sent" and step_due_date(campaign.start_date, s.day_offset) <= on_date
	]


def due_campaigns(on_date=None) -> list[str]:
	"""Active campaigns with a target segment and at least one due step that is not yet sent."""
	return frappe.db.sql_list(
		"""select distinct c.name from `tabCampaign` c
		join `tabCampaign Schedule Step` s
			on s.parent = c.name and s.parenttype = 'Campaign' and s.parentfield = 'schedule'
		where c.status = 'Active' and ifnull(c.target_segment, '') != '' and c.start_date is not null
			and ifnull(s.status, 'Pending') != 'Sent'
			and date_add(c.start_date, interval s.day_offset day) <= %(on_date)s
		order by c.name""",
		{"on_date": getdate(on_date or today())},
	)


def enqueue_due_outreach() -> None:
	"""Scheduler entry (hourly): one long-queue job per campaign from `due_campaigns`."""
	for name in due_campaigns():
		enqueue_campaign_outreach(name)


def enqueue_campaign_outreach(campaign: str) -> None:
	frappe.enqueue(
		"crm_suite.marketing.outreach.run_campaign_outreach",
		queue="long",
		job_id=f"crm_suite-outreach::{frappe.local.site}::{campaign}",
		deduplicate=True,
		campaign=campaign,
	)


def run_campaign_outreach(
	campaign: str,
	chunk_size: int | None = None,
	on_date=None,
	after_recipient: Callable[[int], None] | None = None,
) -> dict:
	"""Send every due, unsent step of `campaign` to everybody not yet logged. Safe to run again at any time.

	`chunk_size` recipients are committed at a time: CHUNK_SIZE, or the site config's `outreach_chunk_size`.
	`after_recipient(n)` is called after the n-th recipient handled in this run (tests use it to simulate
	a worker dying mid-run). Returns counts: {"queued", "unsubscribed", "failed", "skipped"}.
	"""
	doc = frappe.get_doc("Campaign", campaign)
	chunk_size = chunk_size or cint(frappe.conf.get("outreach_chunk_size")) or CHUNK_SIZE
	counts = {"queued": 0, "unsubscribed": 0, "failed": 0, "skipped": 0}
	if doc.status != "Active" or not doc.target_segment:
		return counts
	steps = due_steps(doc, on_date)
	if not steps:
		return counts
	if any(is_email_step(st) for st in steps) and not EmailAccount.find_outgoing(match_by_doctype="Campaign"):
		# every member would fail the same way: send nobody, keep the steps Pending for when it is set up
		_log_campaign_error(
			doc.name,
			_("Campaign {0}: no outgoing Email Account").format(doc.name),
			_("Set up a default outgoing Email Account; the due steps stay Pending until then."),
		)
		return counts
	segment = frappe.get_doc("Segment", doc.target_segment)
	handled = [0]

	def tick():
		handled[0] += 1
		if after_recipient:
			after_recipient(handled[0])

	for step in steps:
		step_counts = send_step(doc, step, segment, chunk_size, tick)
		if step_counts is None:  # the template doesn't compile: nobody was sent anything
			continue
		for k, v in step_counts.items():
			counts[k] += v
		if only_failed(doc.name, step.name):
			# every recipient failed (e.g. the template fails for everybody): not a sent mailing
			if step_counts["failed"]:
				_log_campaign_error(
					doc.name,
					_("Campaign {0}: step {1} failed for every recipient").format(doc.name, step.idx),
					_("The step stays Pending; see the Failed rows of the Campaign Send Log."),
				)
				frappe.db.commit()
			continue
		mark_step_sent(doc.name, step.name)
	return counts


def is_email_step(step) -> bool:
	return (step.get("channel") or "Email") == "Email"


def only_failed(campaign: str, step: str) -> bool:
	"""Whether the step's send log has Failed rows and nothing that reached anybody (Queued/Unsubscribed)."""
	Log = DocType("Campaign Send Log")
	statuses = set(
		frappe.qb.from_(Log)
		.select(Log.status)
		.distinct()
		.where((Log.campaign == campaign) & (Log.schedule_step == step))
		.run(pluck=True)
	)
	return statuses == {"Failed"}


def mark_step_sent(campaign: str, step: str) -> None:
	"""Every member has a log row now: later runs skip the step. The Campaign's `modified` moves too, so a
	Campaign form opened before this is refused on save (TimestampMismatchError) instead of writing the
	step back to Pending."""
	now = now_datetime()
	frappe.db.set_value(
		"Campaign Schedule Step", step, {"status": "Sent", "sent_on": now}, update_modified=False
	)
	frappe.db.set_value("Campaign", campaign, "modified", now, update_modified=False)
	frappe.db.commit()


def _log_campaign_error(campaign: str, title: str, message: str) -> None:
	frappe.log_error(
		title=title,
		message=message,
		reference_doctype="Campaign",
		reference_name=campaign,
	)


def template_fields(doctype: str, sources: list[str]) -> list[str] | None:
	"""The member fields the template sources use (as `doc.field` or a bare `field`), or None when they
	use the member in a way that can't be read off the template (e.g. `doc.get(x)`, or an include, import,
	extends or macro, whose templates or callers may use any field): then all fields."""
	columns = set(frappe.get_meta(doctype).get_valid_columns())
	env = frappe.get_jenv()
	used: set[str] = set()
	for source in sources:
		ast = env.parse(source or "")
		if any(True for _node in ast.find_all(OPAQUE_NODES)):
			return None
		doc_names = set()
		for node in ast.find_all(nodes.Getattr):
			if isinstance(node.node, nodes.Name) and node.node.name == "doc":
				if node.attr not in columns:
					return None
				used.add(node.attr)
				doc_names.add(id(node.node))
		for node in ast.find_all(nodes.Name):
			if node.name == "doc" and id(node) not in doc_names:
				return None
			if node.name in columns:
				used.add(node.name)
	return sorted(used)


def member_chunks(segment, fields: list[str], chunk_size: int) -> Iterator[list[dict]]:
	"""The segment's members, `chunk_size` at a time by name (keyset pagination: each chunk is one query)."""
	after = None
	while True:
		rows = get_member_rows(segment, fields, limit=chunk_size, after=after)
		if rows:
			yield rows
		if len(rows) < chunk_size:
			return
		after = rows[-1].name


def logged_recipients(campaign: str, step: str, emails: list[str]) -> set[str]:
	"""Which of these addresses already have a send log row for the step (the unique index answers)."""
	if not emails:
		return set()
	Log = DocType("Campaign Send Log")
	return set(
		frappe.qb.from_(Log)
		.select(Log.recipient)
		.where((Log.campaign == campaign) & (Log.schedule_step == step) & Log.recipient.isin(emails))
		.run(pluck=True)
	)


def unsubscribed_emails(campaign: str, emails: list[str]) -> set[str]:
	"""Addresses unsubscribed from this campaign or from everything (Frappe's Email Unsubscribe), lower-case.

	`emails` are lower-case (normalise_email); Email Unsubscribe keeps the address as the link gave it
	("Ada@X.com"), so both sides are compared lower-case."""
	if not emails:
		return set()
	Unsub = DocType("Email Unsubscribe")
	return set(
		frappe.qb.from_(Unsub)
		.select(Lower(Unsub.email))
		.distinct()
		.where(
			Lower(Unsub.email).isin([e.lower() for e in emails])
			& (
				((Unsub.reference_doctype == "Campaign") & (Unsub.reference_name == campaign))
				| (Unsub.global_unsubscribe == 1)
			)
		)
		.run(pluck=True)
	)


def send_step(campaign, step, segment, chunk_size: int = CHUNK_SIZE, tick=None) -> dict | None:
	"""Send one step to every member without a log row, a committed chunk at a time. None (and an Error Log)
	when the template doesn't compile, before anybody is handled."""
	if not is_email_step(step):  # SMS or WhatsApp template: crm_suite/marketing/message_outreach.py
		from crm_suite.marketing.message_outreach import send_message_step

		return send_message_step(campaign, step, segment, chunk_size, tick)
	counts = {"queued": 0, "unsubscribed": 0, "failed": 0, "skipped": 0}
	template = frappe.get_doc("Email Template", step.email_template)
	subject = template.subject or campaign.campaign_name
	body = (template.response_html if template.use_html else template.response) or ""
	try:
		compiled = compile_templates(subject, body)
	except TemplateError as e:
		_log_campaign_error(
			campaign.name,
			_("Campaign {0}: Email Template {1} does not compile").format(campaign.name, template.name),
			_("The step stays Pending until the template is fixed: {0}").format(e),
		)
		return None
	used = template_fields(segment.based_on, [subject, body])
	extra = ["language"] if frappe.get_meta(segment.based_on).has_field("language") else []
	fields = ["*"] if used is None else sorted({"name", EMAIL_FIELD, *extra, *used})
	campaign_ctx = campaign.as_dict(no_default_fields=False)

	for members in member_chunks(segment, fields, chunk_size):
		by_email: dict[str, dict] = {}
		for member in members:
			email = normalise_email(member.get(EMAIL_FIELD))
			if email:
				by_email.setdefault(email, member)
		already = logged_recipients(campaign.name, step.name, [e[:RECIPIENT_LENGTH] for e in by_email])
		unsubscribed = unsubscribed_emails(campaign.name, list(by_email))
		for email, member in by_email.items():
			if email[:RECIPIENT_LENGTH] in already:
				continue
			status = send_to_member(
				campaign,
				step,
				segment.based_on,
				member,
				email,
				email in unsubscribed,
				compiled,
				campaign_ctx,
			)
			counts[status] += 1
			if tick:
				tick()
		# The chunk's send logs and its Email Queue rows become durable together.
		frappe.db.commit()
	return counts


def compile_templates(*sources: str) -> list:
	"""Jinja templates for the sources, compiled once per step; a syntax error here concerns everybody.
	`.__` is refused as frappe.render_template refuses it (no reaching into Python internals)."""
	env = frappe.get_jenv()
	for source in sources:
		if ".__" in (source or ""):
			raise TemplateError(_("Illegal template"))
	return [env.from_string(source or "") for source in sources]


def send_to_member(
	campaign,
	step,
	member_doctype: str,
	member: dict,
	email: str,
	unsubscribed: bool,
	templates: list,
	campaign_ctx: dict,
) -> str:
	"""Log and queue one email; returns the count it falls under (queued/unsubscribed/failed/skipped).

	Only what this member's data can cause (RECIPIENT_ERRORS) becomes a Failed row; anything else is raised
	and stops the run before the step is marked Sent."""
	log = {
		"doctype": "Campaign Send Log",
		"campaign": campaign.name,
		"schedule_step": step.name,
		"day_offset": step.day_offset,
		"email_template": step.email_template,
		"recipient": email[:RECIPIENT_LENGTH],
		"reference_doctype": member_doctype,
		"reference_name": member.get("name"),
	}
	frappe.db.savepoint(SAVEPOINT)
	try:
		if unsubscribed:
			_insert_log(log, "Unsubscribed")
			return "unsubscribed"
		if len(email) > RECIPIENT_LENGTH or validate_email_address(email) != email:
			frappe.throw(
				_("{0} is not a valid email address.").format(email), frappe.InvalidEmailAddressError
			)
		context = {**member, "doc": member, "campaign": campaign_ctx}
		# In the recipient's language: the template's {{ _("...") }}, the unsubscribe line, the footer.
		with in_language(email_language(email)):
			subject, message = (t.render(context) for t in templates)
			queue = frappe.sendmail(
				recipients=[email],
				subject=subject,
				message=message,
				reference_doctype="Campaign",
				reference_name=campaign.name,
				unsubscribe_message=_("Unsubscribe from this campaign"),
				now=False,
			)
		if not queue:
			frappe.throw(_("The email queue refused {0}.").format(email), frappe.InvalidEmailAddressError)
		# the log row's name is chosen first: the one-click unsubscribe URL in the headers names it
		log_name = frappe.generate_hash(length=10)
		unsubscribe.add_list_unsubscribe(queue.name, log_name)
		_insert_log(log, "Queued", set_name=log_name, email_queue=queue.name)
		return "queued"
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		# another worker got there first: its transaction holds (or has committed) this email
		frappe.db.rollback(save_point=SAVEPOINT)
		return "skipped"
	except RECIPIENT_ERRORS as e:
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.log_error(
			title=_("Campaign {0}: no email to {1}").format(campaign.name, email),
			reference_doctype="Campaign",
			reference_name=campaign.name,
		)
		try:
			_insert_log(log, "Failed", error=str(e) or type(e).__name__)
		except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
			frappe.db.rollback(save_point=SAVEPOINT)
			return "skipped"
		return "failed"


def _insert_log(log: dict, status: str, set_name: str | None = None, **extra):
	return frappe.get_doc({**log, "status": status, **extra}).insert(
		ignore_permissions=True, ignore_links=True, set_name=set_name
	)


@frappe.whitelist(methods=["POST"])
def send_due_steps_now(campaign: str) -> dict:
	"""The Campaign form's "Send Due Steps Now": queue this campaign's outreach job at once."""
	doc = frappe.get_doc("Campaign", campaign)
	doc.check_permission("write")
	if doc.status != "Active":
		frappe.throw(_("Only an Active campaign sends emails."), title=_("Campaign Not Active"))
	if not doc.target_segment or not doc.schedule:
		frappe.throw(
			_("Give the campaign a target segment and a schedule first."), title=_("Nothing to Send")
		)
	enqueue_campaign_outreach(campaign)
	return {"queued": True, "due_steps": len(due_steps(doc))}
