"""Scheduled outreach: each step of an Active campaign's schedule emails the target segment's members.

Once-only delivery, even when the worker dies mid-run:
- every (campaign, step, recipient) gets one Campaign Send Log row whose `send_key` has a unique index;
- the log row and the Email Queue row are written in the same transaction, a chunk at a time, and the
  chunk is committed as a whole. A crash loses at most the uncommitted chunk (both its logs and its queued
  emails), and the next run skips everybody who already has a log row. Two workers racing on the same
  step collide on the unique key; the loser skips that recipient.

Unsubscribes use Frappe's own mechanism: the unsubscribe link in each email (frappe.email.queue.unsubscribe)
writes an Email Unsubscribe for the campaign; those recipients, and globally unsubscribed addresses, get a
log row with status Unsubscribed and no email. Frappe's queue filters them again when it builds the email.
"""

import hashlib
from collections.abc import Callable, Iterable

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import add_days, create_batch, getdate, today

from crm_suite.marketing.segments import get_member_rows
from crm_suite.utils.contact_details import normalise_email

CHUNK_SIZE = 200


def send_key(campaign: str, step: str, email: str) -> str:
	"""The unique key of one email of one step to one recipient."""
	raw = f"{campaign}|{step}|{email}"
	return hashlib.sha1(raw.encode()).hexdigest()


def step_due_date(start_date, day_offset: int):
	return getdate(add_days(start_date, int(day_offset or 0)))


def due_steps(campaign, on_date=None) -> list:
	"""The schedule steps of a campaign whose day has come (start date + day offset <= on_date)."""
	if not campaign.start_date:
		return []
	on_date = getdate(on_date or today())
	return [s for s in campaign.schedule if step_due_date(campaign.start_date, s.day_offset) <= on_date]


def due_campaigns(on_date=None) -> list[str]:
	"""Active campaigns with a target segment, a started schedule and at least one step."""
	Campaign = DocType("Campaign")
	Step = DocType("Campaign Schedule Step")
	return (
		frappe.qb.from_(Campaign)
		.join(Step)
		.on((Step.parent == Campaign.name) & (Step.parenttype == "Campaign"))
		.select(Campaign.name)
		.distinct()
		.where(
			(Campaign.status == "Active")
			& Campaign.target_segment.isnotnull()
			& Campaign.start_date.isnotnull()
			& (Campaign.start_date <= getdate(on_date or today()))
		)
		.orderby(Campaign.name)
	).run(pluck=True)


def enqueue_due_outreach() -> None:
	"""Scheduler entry (hourly): one long-queue job per campaign from `due_campaigns`."""
	for name in due_campaigns():
		frappe.enqueue(
			"crm_suite.marketing.outreach.run_campaign_outreach",
			queue="long",
			job_id=f"crm_suite-outreach::{frappe.local.site}::{name}",
			deduplicate=True,
			campaign=name,
		)


def run_campaign_outreach(
	campaign: str,
	chunk_size: int = CHUNK_SIZE,
	on_date=None,
	after_recipient: Callable[[int], None] | None = None,
) -> dict:
	"""Send every due step of `campaign` to everybody not yet sent to. Safe to run again at any time.

	`after_recipient(n)` is called after the n-th recipient handled in this run (tests use it to simulate
	a worker dying mid-run). Returns counts: {"queued": n, "unsubscribed": n, "skipped": n}.
	"""
	doc = frappe.get_doc("Campaign", campaign)
	counts = {"queued": 0, "unsubscribed": 0, "skipped": 0}
	if doc.status != "Active" or not doc.target_segment:
		return counts
	steps = due_steps(doc, on_date)
	if not steps:
		return counts
	segment = frappe.get_doc("Segment", doc.target_segment)
	members = get_member_rows(segment, fields=["*"])
	handled = [0]

	def tick():
		handled[0] += 1
		if after_recipient:
			after_recipient(handled[0])

	for step in steps:
		step_counts = send_step(doc, step, segment.based_on, members, chunk_size, tick)
		for k, v in step_counts.items():
			counts[k] += v
	return counts


def pending_recipients(campaign: str, step: str, members: Iterable[dict]) -> list[tuple[str, dict]]:
	"""(email, member) for members with an email and no send log for this step; one per address."""
	already = set(
		frappe.get_all(
			"Campaign Send Log", filters={"campaign": campaign, "schedule_step": step}, pluck="recipient"
		)
	)
	out, seen = [], set()
	for member in members:
		email = normalise_email(member.get("email_id"))
		if email and email not in already and email not in seen:
			seen.add(email)
			out.append((email, member))
	return out


def unsubscribed_emails(campaign: str, emails: list[str]) -> set[str]:
	"""Addresses unsubscribed from this campaign or from everything (Frappe's Email Unsubscribe)."""
	if not emails:
		return set()
	Unsub = DocType("Email Unsubscribe")
	return set(
		frappe.qb.from_(Unsub)
		.select(Unsub.email)
		.distinct()
		.where(
			Unsub.email.isin(emails)
			& (
				((Unsub.reference_doctype == "Campaign") & (Unsub.reference_name == campaign))
				| (Unsub.global_unsubscribe == 1)
			)
		)
		.run(pluck=True)
	)


def send_step(campaign, step, member_doctype: str, members: list[dict], chunk_size: int, tick=None) -> dict:
	counts = {"queued": 0, "unsubscribed": 0, "skipped": 0}
	pending = pending_recipients(campaign.name, step.name, members)
	if not pending:
		return counts
	template = frappe.get_doc("Email Template", step.email_template)
	body_template = template.response_html if template.use_html else template.response
	campaign_ctx = campaign.as_dict(no_default_fields=False)

	for chunk in create_batch(pending, chunk_size):
		unsubscribed = unsubscribed_emails(campaign.name, [email for email, _m in chunk])
		for email, member in chunk:
			status = "Unsubscribed" if email in unsubscribed else "Queued"
			log = frappe.get_doc(
				{
					"doctype": "Campaign Send Log",
					"campaign": campaign.name,
					"schedule_step": step.name,
					"day_offset": step.day_offset,
					"email_template": step.email_template,
					"recipient": email,
					"reference_doctype": member_doctype,
					"reference_name": member.get("name"),
					"status": status,
					"send_key": send_key(campaign.name, step.name, email),
				}
			)
			try:
				log.insert(ignore_permissions=True, ignore_links=True)
			except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
				# another worker got there first: its transaction holds (or has committed) this email
				counts["skipped"] += 1
				continue
			if status == "Queued":
				context = {**member, "doc": member, "campaign": campaign_ctx}
				queue = frappe.sendmail(
					recipients=[email],
					subject=frappe.render_template(template.subject or campaign.campaign_name, context),
					message=frappe.render_template(body_template or "", context),
					reference_doctype="Campaign",
					reference_name=campaign.name,
					unsubscribe_message=_("Unsubscribe from this campaign"),
					now=False,
				)
				if queue:
					frappe.db.set_value(
						"Campaign Send Log", log.name, "email_queue", queue.name, update_modified=False
					)
				counts["queued"] += 1
			else:
				counts["unsubscribed"] += 1
			if tick:
				tick()
		# The chunk's send logs and its Email Queue rows become durable together.
		frappe.db.commit()
	return counts


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
	frappe.enqueue(
		"crm_suite.marketing.outreach.run_campaign_outreach",
		queue="long",
		job_id=f"crm_suite-outreach::{frappe.local.site}::{campaign}",
		deduplicate=True,
		campaign=campaign,
	)
	return {"queued": True, "due_steps": len(due_steps(doc))}
