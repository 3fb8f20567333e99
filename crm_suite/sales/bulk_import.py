"""Bulk insert of leads from Frappe's Data Import: 100,000 rows in minutes instead of hours.

The user works in Frappe's Data Import as always (upload, map columns, *Start Import*); a Lead import of
new records with **Bulk Insert** ticked (a Custom Field on Data Import) is run by `run` below instead of
Frappe's per-row importer, on the `long` queue under the same job id. What stays Frappe's: the file is
read and its columns mapped by Frappe's `ImportFile` (templates, column mapping, its column warnings: a
link value that does not exist or a select value not in the options stops the import before any row, as
in Frappe's importer); each row becomes a Lead document that runs, in Python, what an insert runs
before it writes (defaults, `before_insert`, `before_validate`, `validate`, `before_save`, mandatory,
email/phone/URL, select and length checks, the workflow's initial state); every row gets its Data Import
Log row (success and the lead, or the row numbers and the messages of a bad row); the Data Import's
status is set as Frappe sets it.

What is set-based, per chunk of CHUNK rows: the names (one UPDATE of `tabSeries` reserves the chunk's
numbers, committed at once so concurrent saves wait only for that), then one multi-row INSERT each of
the leads, their first Stage History stay, their Workflow Action (and its permitted roles) and the import
log rows, committed together. A chunk is all or nothing, so a rerun after a killed worker skips the rows
that have a success log and does the rest: nothing lost, nothing twice (a killed chunk leaves only a gap
in the numbering). Leads are stored `import_pending = 1`: the pass after the import
(`crm_suite/sales/import_pass.py`) flags repeats, scores and assigns them, chunk by chunk.

What a lead saved by Frappe's importer leaves is written for the chunk at once, with its leads: the
Version "created via Data Import" (Frappe's data for it) and, for a user who follows what they create,
the Document Follow. After the chunk's commit, Frappe's `after_insert` Webhooks on Lead are queued, one
job per webhook for the chunk, sending Frappe's request for each lead (Frappe's importer sends none: its
run_webhooks skips imports). Not done per lead: the list's realtime update; docs/import.md says so.
"""

from __future__ import annotations

import json
from datetime import timedelta

import frappe
from frappe import _
from frappe.core.doctype.data_import.data_import import DataImport
from frappe.utils import now_datetime

from crm_suite.api.data_import import check_import_file
from crm_suite.sales import duplicates, import_pass

CHUNK = 2_000
CHUNK_DOCTYPE = "Lead Import Chunk"
DOCTYPE = "Lead"
FIELD = "crm_bulk_insert"
INSERT = "Insert New Records"


def wanted(data_import) -> bool:
	return bool(
		data_import.get(FIELD)
		and data_import.reference_doctype == DOCTYPE
		and data_import.import_type == INSERT
	)


def check_permission(data_import) -> None:
	"""Only who may import and create leads, and edit this Data Import, runs it."""
	if not (
		frappe.permissions.can_import(DOCTYPE)
		and frappe.has_permission(DOCTYPE, "create")
		and frappe.has_permission("Data Import", "write", doc=data_import)
	):
		frappe.throw(_("You are not permitted to import {0}.").format(_(DOCTYPE)), frappe.PermissionError)


class BulkDataImport(DataImport):
	"""Frappe's Data Import; *Start Import* of a bulk Lead import queues `run` instead of Frappe's job."""

	def validate(self):
		if self.has_value_changed("import_file"):
			check_import_file(
				self.import_file
			)  # only a file the user may read (crm_suite/api/data_import.py)
		super().validate()
		if self.get(FIELD) and not wanted(self):
			frappe.throw(
				_("Bulk Insert is for importing new Leads only."),
				title=_("Bulk Insert"),
				exc=frappe.ValidationError,
			)

	@frappe.whitelist()
	def get_preview_from_template(self, import_file=None, google_sheets_url=None):
		"""Frappe's preview, of a file the user may read (the form passes the file it is about to save)."""
		check_import_file(import_file or self.import_file)
		return super().get_preview_from_template(import_file, google_sheets_url)

	def get_importer(self):
		"""Frappe's importer; for a bulk import, one per file and mapping (Frappe's save builds it twice)."""
		if not wanted(self):
			return super().get_importer()
		key = (self.import_file, self.google_sheets_url, self.template_options)
		if getattr(self, "_crm_importer_key", None) != key:
			self._crm_importer = super().get_importer()
			self._crm_importer_key = key
		return self._crm_importer

	def set_payload_count(self):
		"""A file of leads only (no child table columns) has a document per row: counted without building
		them (Frappe builds all 100,000 to count them)."""
		if not (wanted(self) and self.import_file):
			return super().set_payload_count()
		import_file = self.get_importer().import_file
		if len(import_file.header.doctypes) != 1:
			return super().set_payload_count()
		self.payload_count = len(import_file.data)

	def on_trash(self):
		frappe.db.delete(CHUNK_DOCTYPE, {"data_import": self.name})

	def start_import(self):
		if not wanted(self):
			return super().start_import()
		from frappe.utils.background_jobs import is_job_enqueued
		from frappe.utils.scheduler import is_scheduler_inactive

		check_permission(self)
		run_now = frappe.flags.in_test or frappe.conf.developer_mode
		if is_scheduler_inactive() and not run_now:
			frappe.throw(_("Scheduler is inactive. Cannot import data."), title=_("Scheduler Inactive"))
		job_id = f"data_import::{self.name}"
		if is_job_enqueued(job_id):
			return False
		frappe.enqueue(
			"crm_suite.sales.bulk_import.start",
			queue="long",
			timeout=6 * 3600,
			event="data_import",
			job_id=job_id,
			data_import=self.name,
			now=run_now,
		)
		return True


def start(data_import: str) -> None:
	"""The background job: as Frappe's `start_import`, with the bulk importer."""
	doc = frappe.get_doc("Data Import", data_import)
	try:
		run(doc)
	except Exception:
		frappe.db.rollback()
		doc.db_set("status", "Error")
		doc.log_error("Data import failed")
	finally:
		frappe.flags.in_import = False
		frappe.flags.crm_bulk_import = False
		frappe.flags.mute_emails = False
	frappe.publish_realtime("data_import_refresh", {"data_import": doc.name}, user=frappe.session.user)


def run(data_import, chunk: int = CHUNK) -> str:
	"""Import the Data Import's file in chunks (each committed); returns the status it ends with."""
	from frappe.core.doctype.data_import.importer import Importer

	check_permission(data_import)
	importer = Importer(DOCTYPE, data_import=data_import)
	importer.before_import()  # the user's language, in_import, mute_emails (as Frappe's importer)
	frappe.flags.crm_bulk_import = True
	try:
		return _run(data_import, importer, chunk)
	finally:
		importer.after_import()
		frappe.flags.crm_bulk_import = False


def _run(data_import, importer, chunk: int) -> str:
	payloads = payloads_of(importer.import_file)
	warnings = [w for w in importer.import_file.get_warnings() if w.get("type") != "info"]
	if warnings:  # as Frappe's importer: nothing is imported while the file has such warnings
		data_import.db_set("template_warnings", json.dumps(warnings))
		frappe.db.commit()
		return data_import.status

	# A rerun: what the chunks committed (Lead Import Chunk rows, written with their leads) is done; the
	# Data Import Log is MyISAM (it keeps rows a rollback undid), so it is written after each commit and
	# rewritten here for a chunk whose log writing was cut off; failed rows are tried again.
	log_index = repair_logs(data_import.name)
	done_rows = set()
	for leads in frappe.get_all(CHUNK_DOCTYPE, filters={"data_import": data_import.name}, pluck="leads"):
		done_rows.update(int(row) for row in json.loads(leads or "{}"))
	frappe.db.commit()

	total = len(payloads)
	for start_at in range(0, total, chunk):
		batch = [p for p in payloads[start_at : start_at + chunk] if not done_rows.intersection(_rows(p))]
		if batch:
			log_index = import_chunk(data_import.name, batch, log_index)
		frappe.publish_realtime(
			"data_import_progress",
			{
				"current": min(start_at + chunk, total),
				"total": total,
				"data_import": data_import.name,
				"success": True,
			},
			user=frappe.session.user,
		)

	counts = dict(
		frappe.db.sql(
			"""select success, count(*) from `tabData Import Log` where data_import = %s group by success""",
			data_import.name,
		)
	)
	succeeded, failed = counts.get(1, 0), counts.get(0, 0)
	if failed >= total and not succeeded:
		status = "Error"
	elif failed and succeeded:
		status = "Partial Success"
	elif succeeded >= total:
		status = "Success"
	else:
		status = "Pending"
	data_import.db_set("status", status)  # on_change queues the pass (import_pass.on_data_import_change)
	frappe.db.commit()
	return status


def payloads_of(import_file) -> list:
	"""ImportFile.get_payloads_for_import for a file of leads only: each row checked and parsed by
	Frappe's own Row methods (validate_value, parse_value) onto the new Lead's defaults, computed once
	instead of a new document per row (half of the parse's time). Files with child table columns go
	through Frappe's method."""
	from frappe.core.doctype.data_import.importer import INVALID_VALUES
	from frappe.model import child_table_fields, default_fields

	header = import_file.header
	if len(header.doctypes) != 1:
		return import_file.get_payloads_for_import()
	defaults = frappe.new_doc(DOCTYPE, as_dict=True)
	for key in (*default_fields, *child_table_fields, "__islocal"):
		defaults.pop(key, None)
	indexes = header.get_column_indexes(DOCTYPE)
	columns = header.get_columns(indexes)
	payloads = []
	for row in import_file.data:
		doc = frappe._dict({k: list(v) if isinstance(v, list) else v for k, v in defaults.items()})
		for col, value in zip(columns, row.get_values(indexes), strict=False):
			if value in INVALID_VALUES:
				continue
			value = row.validate_value(value, col)
			if value is not None:
				doc[col.df.fieldname] = row.parse_value(value, col)
		payloads.append(frappe._dict(doc=doc, rows=[row]))
	return payloads


def _rows(payload) -> list[int]:
	return [row.row_number for row in payload.rows]


def import_chunk(data_import: str, payloads: list, log_index: int) -> int:
	"""Validate a chunk's rows in Python, then write its good rows set-based with the chunk's record and
	commit (all of it or nothing); then write every row's log. Returns the next log index."""
	good, failures = [], []
	for payload in payloads:
		rows = _rows(payload)
		try:
			good.append((build_lead(payload.doc), rows))
		except Exception as e:
			failures.append(_failure(rows, error=e))
	good, skipped = skip_repeats(good)
	failures += skipped
	record = write_chunk(data_import, good) if good else None
	frappe.db.commit()  # the chunk's leads, their traces and its record
	if record:
		queue_webhooks(record.name, [lead for lead, _rows in good])
	return write_chunk_logs(data_import, good, failures, log_index, record)


def write_chunk(data_import: str, good: list):
	"""The chunk's writes, in one transaction (the caller commits): names, leads, their traces, its record."""
	leads = [lead for lead, _rows in good]
	assign_names(leads)
	write_leads(leads)
	write_traces(data_import, leads)
	return write_record(data_import, good)


def write_record(data_import: str, good: list):
	"""The chunk's Lead Import Chunk row, in the transaction of its leads: which rows went in, as what."""
	record = frappe.get_doc(
		{
			"doctype": CHUNK_DOCTYPE,
			"data_import": data_import,
			"first_row": good[0][1][0],
			"leads": json.dumps({rows[0]: lead.name for lead, rows in good}),
		}
	)
	record.db_insert()
	return record


def write_traces(data_import: str, leads: list) -> None:
	"""What Frappe's save leaves for a lead its importer creates, for the chunk at once, in the chunk's
	transaction (a chunk redone after a kill writes them once): the Version "created via Data Import" with
	Frappe's data (Version.for_insert: the lead's creation, the Data Import as updater reference, its
	owner) and, for a user who follows the documents they create, the Document Follow
	(Document.save_version, frappe.desk.form.document_follow.follow_document)."""
	from frappe.core.doctype.version.version import Version

	if not frappe.get_meta(DOCTYPE).track_changes:
		return
	now = now_datetime()
	reference = {"doctype": "Data Import", "docname": data_import, "label": _("via Data Import")}
	versions = []
	for lead in leads:
		data = {"creation": lead.creation, "updater_reference": reference, "created_by": lead.owner}
		Version.set_impersonator(data)
		versions.append((DOCTYPE, lead.name, frappe.as_json(data, indent=None, separators=(",", ":"))))
	_bulk("Version", ["ref_doctype", "docname", "data"], versions, now)
	user = frappe.session.user
	if (
		user != "Administrator"
		and frappe.get_cached_value("User", user, "follow_created_documents")
		and frappe.db.get_value("User", user, "document_follow_notify", cache=True)
	):
		_bulk(
			"Document Follow",
			["ref_doctype", "ref_docname", "user"],
			[(DOCTYPE, lead.name, user) for lead in leads],
			now,
		)


WEBHOOK_JOB = "crm_suite.sales.bulk_import.send_webhooks"
# Frappe's enqueue_webhook for a document: 3 tries of the Webhook's `timeout` (5 s when unset), sleeping
# 1 + 4 + 7 s after failed ones; plus a margin for building the request and logging it
WEBHOOK_TRIES, WEBHOOK_SLEEPS, WEBHOOK_MARGIN, WEBHOOK_DEFAULT_TIMEOUT = 3, 12, 3, 5


def webhook_seconds_per_lead(request_timeout: int | None) -> int:
	"""The most one lead's webhook can take in the job (a down endpoint: every try times out)."""
	return WEBHOOK_TRIES * (request_timeout or WEBHOOK_DEFAULT_TIMEOUT) + WEBHOOK_SLEEPS + WEBHOOK_MARGIN


def webhook_job_timeout(webhook: str, leads: int) -> int:
	"""The job's timeout for `leads` leads, from the Webhook's own request timeout."""
	return webhook_seconds_per_lead(frappe.db.get_value("Webhook", webhook, "timeout")) * leads


def lead_webhooks() -> list:
	"""The enabled Webhooks on Lead `after_insert`, as Frappe's run_webhooks reads them (cached)."""
	from frappe.integrations.doctype.webhook import get_all_webhooks

	webhooks = frappe.cache.get_value("webhooks", get_all_webhooks)
	return [w for w in webhooks.get(DOCTYPE, []) if w.webhook_docevent == "after_insert"]


def queue_webhooks(chunk: str, leads: list) -> None:
	"""After the chunk's commit, Frappe's `after_insert` Webhooks on Lead (which Frappe's run_webhooks
	skips during an import): per webhook, one job (on the webhook's queue) for the chunk's leads that meet
	its condition, evaluated as Frappe does. Queued again by a rerun for a chunk cut off before its log;
	the job skips leads the webhook already has a request log for."""
	webhooks = lead_webhooks()
	if not webhooks:
		return
	from frappe.integrations.doctype.webhook.webhook import get_context

	for webhook in webhooks:
		try:
			names = [
				lead.name
				for lead in leads
				if not webhook.condition or frappe.safe_eval(webhook.condition, eval_locals=get_context(lead))
			]
		except Exception:  # a broken condition: logged, nothing sent for it (Frappe's save would fail)
			frappe.log_error(_("Webhook {0}: condition failed on imported leads").format(webhook.name))
			frappe.db.commit()
			continue
		if names:
			frappe.enqueue(
				WEBHOOK_JOB,
				queue=webhook.background_jobs_queue or "default",
				timeout=webhook_job_timeout(webhook.name, len(names)),
				job_id=f"crm_lead_webhooks::{webhook.name}::{chunk}",
				deduplicate=True,
				now=frappe.flags.in_test,
				webhook=webhook,
				leads=names,
			)


def send_webhooks(webhook: dict, leads: list[str]) -> None:
	"""The job: Frappe's own `enqueue_webhook` for each lead (its request body, headers, signature,
	retries and Webhook Request Log, committed per lead), skipping a lead the webhook already has a request
	log for (a chunk queued again after a restart, a job retried) or that no longer exists."""
	from frappe.integrations.doctype.webhook.webhook import enqueue_webhook

	sent = set(
		frappe.get_all(
			"Webhook Request Log",
			filters={"webhook": webhook["name"], "reference_document": ["in", leads]},
			pluck="reference_document",
		)
	)
	for name in leads:
		if name in sent or not frappe.db.exists(DOCTYPE, name):
			continue
		enqueue_webhook(frappe.get_doc(DOCTYPE, name), webhook)
		frappe.db.commit()


def write_chunk_logs(data_import: str, good: list, failures: list, log_index: int, record=None) -> int:
	logs = failures + [{"success": 1, "docname": lead.name, "row_indexes": rows} for lead, rows in good]
	logs.sort(key=lambda log: log["row_indexes"][0])
	log_index = write_logs(data_import, logs, log_index)
	if record:
		frappe.db.set_value(CHUNK_DOCTYPE, record.name, "logged", 1, update_modified=False)
	frappe.db.commit()
	return log_index


def repair_logs(data_import: str) -> int:
	"""Before a (re)run, make the log match what the chunks committed: drop the failed rows' logs (they
	are tried again) and success logs of rows no committed chunk has (a chunk killed before its commit),
	and write the missing logs of committed rows (a chunk killed before its log). Returns the next index."""
	frappe.db.delete("Data Import Log", {"data_import": data_import, "success": 0})
	records = frappe.get_all(
		CHUNK_DOCTYPE, filters={"data_import": data_import}, fields=["name", "leads", "logged"]
	)
	done = {int(row): name for r in records for row, name in json.loads(r.leads or "{}").items()}
	have, stale = set(), []
	for log in frappe.get_all(
		"Data Import Log",
		filters={"data_import": data_import, "success": 1},
		fields=["name", "row_indexes", "docname"],
	):
		row = (json.loads(log.row_indexes or "[]") or [None])[0]
		if done.get(row) == log.docname and row not in have:
			have.add(row)
		else:
			stale.append(log.name)
	if stale:
		frappe.db.delete("Data Import Log", {"name": ["in", stale]})
	missing = [(frappe._dict(name=name), [row]) for row, name in sorted(done.items()) if row not in have]
	if missing:
		write_logs(
			data_import,
			[{"success": 1, "docname": lead.name, "row_indexes": rows} for lead, rows in missing],
			_next_log_index(data_import),
		)
	for r in records:  # a chunk cut off after its commit: its webhooks may not have been queued
		if not r.logged and lead_webhooks():
			names = list(json.loads(r.leads or "{}").values())
			leads = [frappe.get_doc(DOCTYPE, n) for n in names if frappe.db.exists(DOCTYPE, n)]
			for lead in leads:  # conditions see the lead as inserted, whether or not a pass ran since
				lead.import_pending = 1
			queue_webhooks(r.name, leads)
	if records:
		frappe.db.sql(
			"update `tabLead Import Chunk` set logged = 1 where name in %s", [[r.name for r in records]]
		)
	frappe.db.commit()
	return _next_log_index(data_import)


def _next_log_index(data_import: str) -> int:
	last = frappe.db.sql(
		"select max(log_index) from `tabData Import Log` where data_import = %s", data_import
	)[0][0]
	return 0 if last is None else int(last) + 1


def _failure(rows: list[int], messages: list | None = None, error: Exception | None = None) -> dict:
	"""A bad row's log: the messages it raised (or those given) and, for an exception, its traceback."""
	exception = None
	if messages is None:
		messages = list(frappe.local.message_log)
		frappe.clear_messages()
		exception = frappe.get_traceback(with_context=False)
		if not messages:  # an error without a message: its text
			messages = [{"message": str(error) or type(error).__name__, "title": _("Error")}]
	return {"success": 0, "row_indexes": rows, "messages": messages, "exception": exception}


def build_lead(values: dict):
	"""The new Lead as Document.insert makes it before it writes, without the name and the per-row SQL
	(links were checked per column by Frappe's ImportFile)."""
	lead = frappe.get_doc({**values, "doctype": DOCTYPE, "name": None})  # values hold the defaults already
	lead.set("__islocal", True)
	lead.flags.ignore_links = True
	lead._set_defaults()
	lead.set_user_and_timestamp()
	lead.set_docstatus()
	lead._action = "save"
	lead._doc_before_save = None  # what check_if_latest leaves on a new document
	lead.check_permission("create")
	lead.run_method("before_insert")
	lead.flags.in_insert = True
	lead.run_before_save_methods()
	lead._validate()
	lead.import_pending = 1
	return lead


def skip_repeats(good: list) -> tuple[list, list]:
	"""CRM Settings says Skip: a row repeating a lead (saved, or an earlier row of the file) by email or
	E.164 phone is not imported and its log names what it repeats, as `import_pass.check_row` does for
	Frappe's importer (where earlier rows are already saved)."""
	if not good or import_pass.duplicate_action() != "Skip":
		return good, []
	emails = sorted({lead.email_id for lead, _rows in good if lead.email_id})
	phones = sorted({p for lead, _rows in good for p in (lead.phone_e164, lead.mobile_e164) if p})
	by_email, by_phone = {}, {}
	if emails:
		for name, email in frappe.db.sql(
			"""select name, email_id from `tabLead` where email_id in %s and merged_into is null
			order by creation, name""",
			[emails],
		):
			by_email.setdefault(email.lower(), ("lead", name))
	if phones:
		for name, phone, mobile in frappe.db.sql(
			"""select name, phone_e164, mobile_e164 from `tabLead`
			where (phone_e164 in %(p)s or mobile_e164 in %(p)s) and merged_into is null
			order by creation, name""",
			{"p": phones},
		):
			for number in (phone, mobile):
				if number:
					by_phone.setdefault(number, ("lead", name))
	kept, skipped = [], []
	for lead, rows in good:
		repeat = None
		if lead.email_id and lead.email_id in by_email:
			repeat = (*by_email[lead.email_id], "Email")
		else:
			for number in (lead.phone_e164, lead.mobile_e164):
				if number and number in by_phone:
					repeat = (*by_phone[number], "Phone")
					break
		if repeat:
			kind, what, matched_on = repeat
			if kind == "lead":
				message = import_pass.repeat_message(what, matched_on)
			else:
				message = _("Not imported: this lead repeats row {0} of the file (same {1}).").format(
					what, _(matched_on)
				)
			skipped.append(_failure(rows, [{"title": _("Duplicate Lead"), "message": message}]))
			continue
		kept.append((lead, rows))
		if lead.email_id:
			by_email.setdefault(lead.email_id, ("row", rows[0]))
		for number in (lead.phone_e164, lead.mobile_e164):
			if number:
				by_phone.setdefault(number, ("row", rows[0]))
	return kept, skipped


def assign_names(leads: list) -> None:
	"""Reserve the chunk's numbers of each naming series with one UPDATE of `tabSeries` and commit it
	(a save elsewhere waits for this short transaction only, not for the chunk)."""
	from frappe.model.naming import NamingSeries

	by_series: dict[str, list] = {}
	for lead in leads:
		by_series.setdefault(lead.naming_series, []).append(lead)
	for series, group in by_series.items():
		key = NamingSeries(series + ".#####")  # as frappe.model.naming.set_name_by_naming_series
		prefix = key.get_prefix()
		digits = key.series.rsplit(".", 1)[-1].count("#")
		# bulk statement: the whole chunk's numbers at once (Frappe's getseries takes one per document)
		frappe.db.sql(
			"""insert into `tabSeries` (name, current) values (%(prefix)s, %(n)s)
			on duplicate key update current = ifnull(current, 0) + %(n)s""",
			{"prefix": prefix, "n": len(group)},
		)
		last = frappe.db.sql("select current from `tabSeries` where name = %s", prefix)[0][0]
		frappe.db.commit()
		first = int(last) - len(group) + 1
		for i, lead in enumerate(group):
			lead.name = f"{prefix}{first + i:0{digits}d}"


def write_leads(leads: list) -> None:
	"""One multi-row INSERT each: the leads, their first Stage History stay, their Workflow Action."""
	from crm_suite.sales.stage_history import current_stage

	now = now_datetime()
	user = frappe.session.user
	for i, lead in enumerate(leads):  # distinct times in file order, as rows saved one by one
		lead.creation = lead.modified = now + timedelta(microseconds=i)
	values = [lead.get_valid_dict(convert_dates_to_str=True, ignore_nulls=False) for lead in leads]
	columns = list(values[0])
	insert_rows(DOCTYPE, columns, [tuple(v.get(c) for c in columns) for v in values])
	_bulk(
		"Stage History",
		["reference_doctype", "reference_name", "stage", "entered_on", "changed_by"],
		[
			(DOCTYPE, lead.name, current_stage(lead), lead.creation, user)
			for lead in leads
			if current_stage(lead)
		],
		now,
	)
	write_workflow_actions(leads, now)


def write_workflow_actions(leads: list, now) -> None:
	"""Each lead's Workflow Action as Frappe's `process_workflow_actions` makes it on insert (the roles of
	the transitions out of its state whose condition holds), two multi-row INSERTs for the chunk, under the
	app's Workflow Action lock (crm_suite/utils/workflow_actions.py) like any save."""
	from frappe.model.workflow import get_workflow_name
	from frappe.workflow.doctype.workflow_action.workflow_action import (
		get_doc_workflow_state,
		send_email_alert,
	)

	workflow = get_workflow_name(DOCTYPE)
	if not workflow or send_email_alert(workflow):
		return  # a workflow that mails approvers: left to Frappe, through the pass (none shipped)
	actions, roles_rows = [], []
	for lead in leads:
		state = get_doc_workflow_state(lead)
		transitions = import_pass.transitions_from(workflow, state)
		as_dict = {}
		roles = sorted({t.allowed for t in transitions if condition_holds(t.condition, lead, as_dict)})
		if not roles:
			continue
		action = frappe.generate_hash(length=10)
		actions.append((action, DOCTYPE, lead.name, state, "Open"))
		roles_rows += [
			(action, "Workflow Action", "permitted_roles", idx, role) for idx, role in enumerate(roles, 1)
		]
	if not actions:
		return
	frappe.db.sql("select name from `tabDocType` where name = 'Workflow Action' for update")
	_bulk(
		"Workflow Action",
		["name", "reference_doctype", "reference_name", "workflow_state", "status"],
		actions,
		now,
	)
	_bulk(
		"Workflow Action Permitted Role",
		["parent", "parenttype", "parentfield", "idx", "role"],
		roles_rows,
		now,
	)


def condition_holds(condition: str | None, lead, as_dict: dict) -> bool:
	"""frappe.model.workflow.is_transition_condition_satisfied with the condition compiled once per job
	(Frappe's safe_eval compiles it for every call: most of a row's time): the same restricted compiler,
	the same globals and `doc`."""
	if not condition:
		return True
	if not as_dict:
		as_dict.update(lead.as_dict())
	return bool(eval(*_compiled(condition), {"doc": frappe._dict(as_dict)}))


def _compiled(condition: str) -> tuple:
	import unicodedata

	from frappe.model.workflow import get_workflow_safe_globals
	from frappe.utils.safe_exec import (
		WHITELISTED_SAFE_EVAL_GLOBALS,
		FrappeTransformer,
		_validate_safe_eval_syntax,
		compile_restricted,
	)

	cache = frappe.flags.crm_bulk_conditions = frappe.flags.crm_bulk_conditions or {}
	if condition not in cache:
		code = unicodedata.normalize("NFKC", condition)
		_validate_safe_eval_syntax(code)
		eval_globals = get_workflow_safe_globals()
		eval_globals["__builtins__"] = {}
		eval_globals.update(WHITELISTED_SAFE_EVAL_GLOBALS)
		compiled = compile_restricted(code, filename="<safe_eval>", policy=FrappeTransformer, mode="eval")
		cache[condition] = (compiled, eval_globals)
	return cache[condition]


def write_logs(data_import: str, logs: list, log_index: int) -> int:
	rows = []
	for log in logs:
		rows.append(
			(
				data_import,
				log_index,
				log["success"],
				log.get("docname"),
				json.dumps(log["row_indexes"]),
				json.dumps(log.get("messages") or []),
				log.get("exception"),
			)
		)
		log_index += 1
	_bulk(
		"Data Import Log",
		["data_import", "log_index", "success", "docname", "row_indexes", "messages", "exception"],
		rows,
		now_datetime(),
	)
	return log_index


def _bulk(doctype: str, columns: list[str], rows: list[tuple], now) -> None:
	"""insert_rows with the standard columns (a hash name unless given, times, owner)."""
	if not rows:
		return
	user = frappe.session.user
	named = "name" in columns
	standard = ["creation", "modified", "owner", "modified_by"]
	insert_rows(
		doctype,
		([] if named else ["name"]) + columns + standard,
		[
			(() if named else (frappe.generate_hash(length=10),)) + tuple(row) + (now, now, user, user)
			for row in rows
		],
	)


def insert_rows(doctype: str, columns: list[str], rows: list[tuple], per_statement: int = 1_000) -> None:
	"""frappe.db.bulk_insert without its query builder (a third of the chunk's time at 50 columns)."""
	table = f"`tab{doctype}`"
	names = ", ".join(f"`{c}`" for c in columns)
	row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
	for i in range(0, len(rows), per_statement):
		part = rows[i : i + per_statement]
		# bulk statement: one multi-row INSERT per `per_statement` rows
		frappe.db.sql(
			f"insert into {table} ({names}) values {', '.join([row_sql] * len(part))}",
			[value for row in part for value in row],
		)
