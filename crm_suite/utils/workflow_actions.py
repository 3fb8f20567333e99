"""Frappe's Workflow Actions and Assignment Rules of the app's workflow-governed records, after the commit.

On every save, Frappe runs two `"*"` on_update doc events: its Workflow (`process_workflow_actions`: the
Workflow Action rows of the record's next transitions) and its Assignment Rules (`assignment_rule.apply`:
the round robin's ToDo, `_assign`, the share, the assignee's notification, the rule's `last_user`).
Profiled on a lead's insert they were 87% of its time (docs/operations.md, "Under load"), and both write
rows that every concurrent save wants: the end of the `user` index of `tabWorkflow Action` (a deadlock
between two inserts, issue 18) and the rule's row (every assignment writes `last_user`).

`DeferredAutomation` (a base class of Lead, Opportunity, Ticket and Campaign) leaves those two handlers out
of the save and writes, in the save's transaction, one `Deferred Automation` row: the record as saved (and
as it was before), and the user who saved it. After the commit one job on the `short` queue (deduplicated:
at most one queued or running) takes the rows oldest first and, for each, calls Frappe's own two functions
with the record as it was saved, as that user, then the handlers that must follow the assignment (hook
`crm_after_deferred_assignment`, e.g. an activity plan's "Record Owner" steps), and commits. The end state
(ToDo, `_assign`, shares, notifications, Workflow Action rows, the round robin's turn) is what Frappe
makes in the save; an admin's edit of a Workflow or an Assignment Rule applies to the next job, without
code. A row is durable: if the queue is unreachable at the commit, the minute's sweep queues the job. A
job works for at most 30 s and then queues its successor, so the SLA check on `short` never waits long.

In tests (`frappe.flags.in_test`), as Frappe runs its own jobs there, the same work runs at once, in the
save. Saves during an import, a patch, an install or a migrate keep Frappe's handlers in the save, and so
does every save on a site with `crm_sync_automation` set in its site config (`bench --site SITE
set-config crm_sync_automation 1`: Frappe's behaviour, e.g. for a site without a worker).

The job writes Workflow Action rows under one shared row lock (`lock_before_workflow_actions`), which
saves that still run Frappe's handlers themselves (an import, a test) take too: their inserts never
interleave. A deadlock or lock timeout in the job is retried; any other error is logged (Error Log, with
the record) and the row is dropped, so one bad record never stops the rest.
"""

import json
import time

import frappe
from frappe.automation.doctype.assignment_rule import assignment_rule
from frappe.cache_manager import get_doctype_map
from frappe.core.doctype.server_script.server_script_utils import run_server_script_for_doc_event
from frappe.integrations.doctype.webhook import run_webhooks
from frappe.model.workflow import get_workflow_name, get_workflow_state_field
from frappe.workflow.doctype.workflow_action.workflow_action import process_workflow_actions
from pypika.terms import PseudoColumn

QUEUE_DOCTYPE = "Deferred Automation"
JOB = "crm_suite.utils.workflow_actions.run_pending"
JOB_ID = "crm-suite-deferred-automation"
DEFERRED_HANDLERS = frozenset(
	{
		"frappe.workflow.doctype.workflow_action.workflow_action.process_workflow_actions",
		"frappe.automation.doctype.assignment_rule.assignment_rule.apply",
	}
)
AFTER_ASSIGNMENT_HOOK = "crm_after_deferred_assignment"
BATCH = 200
BUDGET_SECONDS = 30  # one job's share of the `short` worker, then the SLA check may go first
ATTEMPTS = 4  # a deadlock or a lock wait timeout: tried again


class DeferredAutomation:
	"""Mixin before `Document` in a controller's bases: Frappe's Workflow Action and Assignment Rule
	handlers of `on_update` run after the commit, in the `short` job (module docstring)."""

	def run_method(self, method, *args, **kwargs):
		if method == "on_update" and defers(self):
			self.flags.crm_automation_deferred = True
			return run_method_without(self, method, DEFERRED_HANDLERS, args, kwargs)
		if method == "on_change" and self.flags.pop("crm_automation_deferred", None):
			out = run_method_without(self, method, after_assignment_handlers(self.doctype), args, kwargs)
			defer(self)
			return out
		return super().run_method(method, *args, **kwargs)


def defers(doc) -> bool:
	flags = frappe.flags
	if flags.in_import or flags.in_patch or flags.in_install or flags.in_migrate or flags.in_setup_wizard:
		return False
	if flags.crm_sync_automation or frappe.conf.crm_sync_automation:  # Frappe's handlers in the save
		return False
	# every save of a workflow-governed record, even one that keeps the state: in the save, Frappe's handler
	# would write the Workflow Action that a pending row of the same record has not written yet, beside
	# the job (measured: a deadlock between the two inserts)
	return bool(get_workflow_name(doc.doctype) or has_assignment_rules(doc.doctype))


def has_assignment_rules(doctype: str) -> bool:
	# the same cached map Frappe's assignment_rule.apply reads
	return bool(
		get_doctype_map(
			"Assignment Rule",
			doctype,
			filters={"document_type": doctype, "disabled": 0},
			order_by="priority desc",
		)
	)


def run_method_without(doc, method: str, skip, args, kwargs):
	"""Document.run_method: the controller's method, then the doc events of the doctype and of "*" except
	`skip`, then Notifications, Webhooks and Server Scripts, as Frappe runs them."""
	out = None
	own = getattr(doc, method, None)
	if callable(own):
		out = own(*args, **kwargs)
	doc_events = frappe.get_doc_hooks()
	for path in doc_events.get(doc.doctype, {}).get(method, []) + doc_events.get("*", {}).get(method, []):
		if path not in skip:
			frappe.get_attr(path)(doc, method, *args, **kwargs)
	doc.run_notifications(method)
	run_webhooks(doc, method)
	run_server_script_for_doc_event(doc, method)
	return out


def after_assignment_handlers(doctype: str) -> frozenset:
	return frozenset(frappe.get_hooks(AFTER_ASSIGNMENT_HOOK, {}).get(doctype, []))


def defer(doc) -> None:
	before = doc.get_doc_before_save()
	document = frappe.as_json(doc.as_dict(no_nulls=True), indent=None)
	before_save = frappe.as_json(before.as_dict(no_nulls=True), indent=None) if before else None
	if frappe.flags.in_test:  # Frappe runs its jobs at once in tests (enqueue's now=in_test): so does this
		apply(doc.doctype, doc.name, document, before_save)
		return
	table = frappe.qb.DocType(QUEUE_DOCTYPE)
	now = frappe.utils.now_datetime()
	frappe.qb.into(table).columns(
		"name",
		"reference_doctype",
		"reference_name",
		"user",
		"document",
		"document_before_save",
		"owner",
		"creation",
		"modified",
		"modified_by",
	).insert(
		# autoincrement (the order of the saves): the doctype's sequence, read inside the INSERT
		PseudoColumn(f"nextval(`{frappe.scrub(QUEUE_DOCTYPE)}_id_seq`)"),
		doc.doctype,
		doc.name,
		frappe.session.user,
		document,
		before_save,
		frappe.session.user,
		now,
		now,
		frappe.session.user,
	).run()
	if wake_up not in frappe.db.after_commit._functions:
		frappe.db.after_commit.add(wake_up)


def wake_up() -> None:
	"""After the commit: queue the job unless one is queued or running. If the queue is unreachable the
	save stays committed and its row waits for the sweep (nothing is lost)."""
	try:
		frappe.enqueue(JOB, queue="short", job_id=JOB_ID, deduplicate=True)
	except Exception:
		frappe.logger("crm_suite").warning("deferred automation: job queue unreachable", exc_info=True)


def sweep() -> None:
	"""Every minute (scheduler_events): rows still waiting (the queue was down, or a save committed while
	the last job was ending) get the job queued."""
	if frappe.db.exists(QUEUE_DOCTYPE, {}):
		wake_up()


def run_pending(budget: float = BUDGET_SECONDS) -> int:
	"""The job: the waiting saves, oldest first, each in its own transaction, for at most `budget`
	seconds; what is left then waits for the next job (queued by the next save or the sweep), so a job
	queued meanwhile on `short` (the SLA check) runs in between. Returns how many were done."""
	user = frappe.session.user
	table = frappe.qb.DocType(QUEUE_DOCTYPE)
	done = 0
	until = time.monotonic() + budget
	try:
		while time.monotonic() < until:
			rows = (
				frappe.qb.from_(table)
				.select(
					table.name,
					table.reference_doctype,
					table.reference_name,
					table.user,
					table.document,
					table.document_before_save,
				)
				.orderby(table.name)
				.limit(BATCH)
				.run(as_dict=True)
			)
			if not rows:
				return done
			for row in rows:
				process(row)
				done += 1
				if time.monotonic() >= until:
					break
		if frappe.db.exists(QUEUE_DOCTYPE, {}):
			continue_later()
		return done
	finally:
		frappe.set_user(user)


def continue_later() -> None:
	"""Queue the next job behind what came meanwhile. This job's id is still taken (it is running), so
	the next one takes the other of two ids; a save's `wake_up` may queue one beside it, which is safe
	(each row is claimed with a lock, see `process`)."""
	from rq import get_current_job

	current = get_current_job()
	other = JOB_ID if current and current.id.endswith(f"{JOB_ID}-next") else f"{JOB_ID}-next"
	try:
		frappe.enqueue(JOB, queue="short", job_id=other, deduplicate=True)
	except Exception:
		frappe.logger("crm_suite").warning("deferred automation: job queue unreachable", exc_info=True)


def process(row) -> None:
	# claimed with a row lock: another job on the same row waits for this commit, then finds it gone
	if not frappe.db.get_value(QUEUE_DOCTYPE, row.name, "name", for_update=True):
		frappe.db.rollback()
		return
	error = None
	for attempt in range(ATTEMPTS):
		try:
			if frappe.session.user != (row.user or "Administrator"):
				frappe.set_user(row.user or "Administrator")
			apply(row.reference_doctype, row.reference_name, row.document, row.document_before_save)
			frappe.db.delete(QUEUE_DOCTYPE, {"name": row.name})
			frappe.db.commit()
			return
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			error = frappe.get_traceback()
			frappe.db.rollback()
			if attempt == ATTEMPTS - 1:
				break
			time.sleep(0.2 * (attempt + 1))
			if not frappe.db.get_value(QUEUE_DOCTYPE, row.name, "name", for_update=True):
				frappe.db.rollback()
				return
		except Exception:
			error = frappe.get_traceback()
			frappe.db.rollback()
			break
	frappe.log_error(
		title=f"Deferred automation of {row.reference_doctype} {row.reference_name}",
		message=error,
		reference_doctype=row.reference_doctype,
		reference_name=row.reference_name,
	)
	frappe.db.delete(QUEUE_DOCTYPE, {"name": row.name})
	frappe.db.commit()


def apply(doctype: str, name: str, document: str, before_save: str | None) -> None:
	"""Frappe's Workflow Actions and Assignment Rules for the record as it was saved, then the handlers
	that follow the assignment."""
	# waits for a save of this record still running; a record deleted meanwhile has nothing left to do
	if not frappe.db.get_value(doctype, name, "name", for_update=True):
		return
	doc = frappe.get_doc(json.loads(document))
	doc._doc_before_save = frappe.get_doc(json.loads(before_save)) if before_save else None
	if get_workflow_name(doctype):
		if _state_changed(doc):  # an insert or a new state: Frappe writes Workflow Action rows
			lock_workflow_actions()
		process_workflow_actions(doc, "on_update")
	assignment_rule.apply(doc, "on_update")
	for path in after_assignment_handlers(doctype):
		frappe.get_attr(path)(doc, "on_change")


def lock_workflow_actions() -> None:
	"""One writer of Workflow Action rows at a time: the `Workflow Action` row of `tabDocType`, to the
	commit (two inserts at the end of the `user` index otherwise deadlock, docs/operations.md)."""
	dt = frappe.qb.DocType("DocType")
	frappe.qb.from_(dt).select(dt.name).where(dt.name == "Workflow Action").for_update().run()


def lock_before_workflow_actions(doc, method=None) -> None:
	"""on_update doc event of the app's workflow-governed doctypes (hooks.py): a save that runs Frappe's
	Workflow itself (an import, a test) takes the job's lock before Frappe's handler."""
	if doc.flags.crm_automation_deferred:
		return
	if not (doc.flags.in_insert or _state_changed(doc)):
		return
	if not get_workflow_name(doc.doctype):
		return
	lock_workflow_actions()


def _state_changed(doc) -> bool:
	workflow = get_workflow_name(doc.doctype)
	if not workflow:
		return False
	return doc.has_value_changed(get_workflow_state_field(workflow))
