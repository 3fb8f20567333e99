"""Leads through Frappe's Data Import: per-row work deferred to a chunked, set-based pass after the import.

Saving a lead one by one runs the duplicate search, the score and the round-robin assignment (Frappe's
Assignment Rule) for each row; through Data Import that is what made 1,000 leads take 41 s. So a lead
inserted by the importer (`frappe.flags.in_import`) is validated and normalised as any other, but is
stored with `import_pending = 1`; the "Lead Round Robin" rule skips such leads (its condition), and the
pass below does the rest for a chunk of pending leads at a time:

- duplicates: the same matching as a saved lead (`duplicates.find_matches`: Leads, Customers and Contacts
  sharing the email or a phone number); a repeat of an earlier lead is flagged, an earlier lead is never
  flagged because of a later one, as when leads are saved one by one;
- with CRM Settings' "Imported Leads That Repeat an Existing Lead" = Merge, a flagged open lead is folded
  into the earliest lead it repeats (`duplicates.merge_leads`); with Skip, the importer refuses the row
  (`check_row`: the import log names the lead it repeats) and nothing is left for the pass;
- scores: the stored model, one UPDATE per chunk (`scoring.score_leads`);
- assignment: the rule's round robin continued from its last user, one ToDo per New lead (bulk insert) and
  the lead's `_assign`, as Frappe's assignment would leave them, and one notification per assignee for the
  chunk (Frappe notifies per lead).

Each chunk is claimed with `FOR UPDATE SKIP LOCKED` and committed with its `import_pending` cleared, so a
killed job loses nothing and two jobs never take the same leads; a lead that fails is logged and left for
the next run. The pass is queued (long queue) when a Lead import ends, and an hourly sweep catches
anything left (a worker lost mid-run)."""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import get_fullname, get_url, now_datetime

from crm_suite.sales import duplicates, scoring

CHUNK = 1_000
JOB_ID = "crm_suite_lead_import_pass"
RULE = "Lead Round Robin"
ACTIONS = ("Flag", "Skip", "Merge")


def duplicate_action() -> str:
	action = frappe.db.get_single_value("CRM Settings", "import_duplicates")
	return action if action in ACTIONS else "Flag"


def check_row(lead) -> None:
	"""Lead.validate for a new lead inserted by Data Import: refuse a repeat when the setting says Skip,
	else leave the duplicate search, score and assignment to the pass."""
	if frappe.flags.crm_bulk_import:
		# the bulk path (bulk_import.py) checks the whole chunk for repeats at once
		lead.import_pending = 1
		return
	if duplicate_action() == "Skip":
		repeats = [
			m
			for m in duplicates.find_matches(lead.email_id, [lead.phone_e164, lead.mobile_e164])
			if m.doctype == "Lead"
		]
		if repeats:
			frappe.throw(repeat_message(repeats[0].name, repeats[0].matched_on), title=_("Duplicate Lead"))
	lead.import_pending = 1


def repeat_message(lead: str, matched_on: str) -> str:
	"""The import log of a row left out as a repeat of `lead`: the lead is named only to an importer who may
	read it (a User Permission or the own-records rule may hide it; the log would hand its name over)."""
	if duplicates.may_read("Lead", lead):
		return _("Not imported: this lead repeats lead {0} (same {1}).").format(lead, _(matched_on))
	return _("Not imported: this lead repeats a lead you may not open (same {0}).").format(_(matched_on))


def create_workflow_action(lead) -> None:
	"""Lead.after_insert under Data Import: the lead's Workflow Action, as Frappe's own `on_update` handler
	(process_workflow_actions) would make it, from the workflow's transitions read once per import job
	instead of for every row (that lookup was 60% of an imported row's time). Frappe's handler then finds
	the action and stops. Workflows that email approvers are left entirely to Frappe."""
	from frappe.model.workflow import get_workflow_name
	from frappe.workflow.doctype.workflow_action.workflow_action import (
		create_workflow_actions_for_roles,
		get_doc_workflow_state,
		is_transition_condition_satisfied,
		send_email_alert,
	)

	workflow = get_workflow_name(lead.doctype)
	if not workflow or send_email_alert(workflow):
		return
	transitions = transitions_from(workflow, get_doc_workflow_state(lead))
	roles = {t.allowed for t in transitions if is_transition_condition_satisfied(t, lead)}
	create_workflow_actions_for_roles(roles, lead)


def transitions_from(workflow: str, state: str) -> list:
	"""The workflow's transitions out of `state` (as Frappe's get_next_possible_transitions reads them),
	read once per import job."""
	from frappe.workflow.doctype.workflow_action.workflow_action import get_state_optional_field_value

	cache = frappe.flags.crm_import_transitions = frappe.flags.crm_import_transitions or {}
	if (workflow, state) not in cache:
		transitions = frappe.get_all(
			"Workflow Transition",
			fields=["allowed", "action", "state", "allow_self_approval", "next_state", "condition"],
			filters=[["parent", "=", workflow], ["state", "=", state]],
		)
		cache[(workflow, state)] = [
			t for t in transitions if not get_state_optional_field_value(workflow, t.next_state)
		]
	return cache[(workflow, state)]


def on_data_import_change(doc, method=None) -> None:
	"""Data Import on_change: when a Lead import has finished (Success or Partial Success), queue the pass."""
	if doc.reference_doctype == "Lead" and doc.status in ("Success", "Partial Success"):
		enqueue_pass()  # one job at a time (job id); a pass still running picks up what is committed


def validate_data_import(doc, method=None) -> None:
	"""Data Import validate: only a user with the `import` permission on the doctype may import into it
	(Frappe's form lists only those, its server did not check)."""
	if doc.reference_doctype and not frappe.permissions.can_import(doc.reference_doctype):
		frappe.throw(
			_("You are not permitted to import {0}.").format(_(doc.reference_doctype)),
			frappe.PermissionError,
		)


def enqueue_pass() -> None:
	frappe.enqueue(
		"crm_suite.sales.import_pass.run",
		queue="long",
		job_id=JOB_ID,
		deduplicate=True,
		enqueue_after_commit=True,
	)


def sweep() -> None:
	"""Hourly: queue the pass when imported leads are still pending (a job that died, a worker down)."""
	if frappe.db.exists("Lead", {"import_pending": 1}):
		enqueue_pass()


def run() -> int:
	"""The pass: chunk after chunk until no lead is pending; each chunk committed. Returns leads done."""
	done = 0
	while True:
		count = process_chunk()
		frappe.db.commit()
		if not count:
			return done
		done += count


def process_chunk(limit: int = CHUNK) -> int:
	"""Claim up to `limit` pending leads (oldest first) and finish them. Does not commit."""
	rows = frappe.db.sql(
		f"""select {scoring.LEAD_COLUMNS}, creation, customer, _assign, lead_name, owner
		from `tabLead` where import_pending = 1
		order by creation, name limit %s for update skip locked""",
		limit,
		as_dict=True,
	)
	if not rows:
		return 0
	names = [r.name for r in rows]
	failed = set()
	if not _isolated(names[0], lambda: flag_duplicates_chunk(rows)):
		# one lead's data broke the chunk's statement: finish them one by one, logging the bad ones
		for row in rows:
			if not _isolated(row.name, lambda row=row: flag_duplicates(row)):
				failed.add(row.name)
	rows = [r for r in rows if r.name not in failed]
	if duplicate_action() == "Merge":
		merged = {r.name for r in rows if r.get("merge_into") and merge_as_importer(r)}
		rows = [r for r in rows if r.name not in merged]
	weight, _minimum = scoring.settings()
	open_rows = [r for r in rows if r.status in scoring.OPEN_STATES]
	scoring.score_leads(open_rows, scoring.cached_model(), weight)
	assign_round_robin([r for r in rows if r.status == "New" and not _assigned(r)])
	failed |= apply_new_lead_plan([r.name for r in rows if r.status == "New"])
	done = [n for n in names if n not in failed]
	if done:
		# `force index (primary)` on each UPDATE of the chunk: point locks on the claimed rows only, never a scan
		# of `tabLead` (what the optimizer picks for a long list on a small table) that would also lock leads
		# saved meanwhile, held by the deferred-automation job while it waits for rows the pass holds
		frappe.db.sql(
			"update `tabLead` force index (primary) set import_pending = 0 where name in %s", [done]
		)
	return len(names)


def apply_new_lead_plan(names: list[str]) -> set[str]:
	"""The Activity Plan set to apply when a lead becomes New, on each of these leads once, after their
	assignment (as a saved lead gets it); a plan already under way on a lead is left as it is. Per lead,
	through the plan's own code: only sites with such a plan pay for it. Returns the leads that failed."""
	plan = frappe.db.get_value("Activity Plan", {"apply_on_lead_status": "New", "enabled": 1})
	if not plan:
		return set()
	from crm_suite.activities.plans import apply_plan

	return {
		name
		for name in names
		if not _isolated(name, lambda name=name: apply_plan(plan, "Lead", name, automatic=True))
	}


def _isolated(name: str, fn) -> bool:
	save_point = f"crm_{frappe.generate_hash(length=10)}"
	frappe.db.savepoint(save_point)
	try:
		fn()
	except Exception:
		frappe.db.rollback(save_point=save_point)
		frappe.log_error(
			_("Finishing imported lead {0} failed").format(name),
			reference_doctype="Lead",
			reference_name=name,
		)
		return False
	frappe.db.release_savepoint(save_point)
	return True


def flag_duplicates(row) -> None:
	"""Store the lead's matches (as Lead.validate does) without loading the document: earlier leads only."""
	matches = duplicates.find_matches(row.email_id, [row.phone_e164, row.mobile_e164], exclude_lead=row.name)
	lead_matches = [m.name for m in matches if m.doctype == "Lead"]
	earlier = set()
	if lead_matches:
		earlier = set(
			frappe.db.sql_list(
				"""select name from `tabLead` where name in %(names)s
				and (creation < %(creation)s or (creation = %(creation)s and name < %(name)s))""",
				{"names": lead_matches, "creation": row.creation, "name": row.name},
			)
		)
	own = {("Customer", row.customer)} if row.customer else set()
	matches = [
		m for m in matches if (m.doctype, m.name) not in own and (m.doctype != "Lead" or m.name in earlier)
	]
	frappe.db.delete("Lead Duplicate", {"parent": row.name, "parenttype": "Lead"})
	_insert_match_rows(_match_rows(row.name, matches))
	frappe.db.set_value("Lead", row.name, "is_duplicate", 1 if matches else 0, update_modified=False)
	if matches and row.status in duplicates.OPEN_STATES and earlier:
		row.merge_into = min(earlier)


def flag_duplicates_chunk(rows: list) -> None:
	"""flag_duplicates for a whole chunk: the same matches (duplicates.find_matches: email, then phone;
	Leads, Customers, Contacts), found with one query per kind of record for all the chunk's leads and
	stored with one DELETE, one multi-row INSERT and two UPDATEs."""
	found = find_matches_chunk(rows)
	all_rows, flagged, kept = [], [], {}
	for row in rows:
		own = {("Customer", row.customer)} if row.customer else set()
		key = (row.creation, row.name)
		matches = [
			m
			for m, created in found[row.name]
			if (m.doctype, m.name) not in own and (m.doctype != "Lead" or (created, m.name) < key)
		]
		if not matches:
			continue
		flagged.append(row.name)
		all_rows += _match_rows(row.name, matches, kept)
		earlier = [m.name for m in matches if m.doctype == "Lead"]
		if row.status in duplicates.OPEN_STATES and earlier:
			row.merge_into = min(earlier)
	names = [r.name for r in rows]
	delete_match_rows(names)
	_insert_match_rows(all_rows)
	# bulk statements: the chunk's flags at once
	if flagged:
		frappe.db.sql(
			"update `tabLead` force index (primary) set is_duplicate = 1 where name in %s", [flagged]
		)
	clear = [n for n in names if n not in set(flagged)]
	if clear:
		frappe.db.sql("update `tabLead` force index (primary) set is_duplicate = 0 where name in %s", [clear])


# MariaDB takes no index hint on a single-table DELETE: the multi-table form, so the chunk's DELETE is a
# range on the parent index and locks only the chunk's rows (a scan would lock every Lead Duplicate row)
DELETE_MATCH_ROWS = (
	"delete d from `tabLead Duplicate` d force index (parent) where d.parent in %s and d.parenttype = 'Lead'"
)


def delete_match_rows(names: list[str]) -> None:
	"""Delete the stored matches of the chunk's leads."""
	if names:
		frappe.db.sql(DELETE_MATCH_ROWS, [names])


def find_matches_chunk(rows: list) -> dict[str, list]:
	"""For each lead of the chunk, its (Match, creation of a matched lead) in find_matches' order."""
	from crm_suite.sales.contact_lookup import phone_digit_forms
	from crm_suite.utils.contact_details import normalise_email

	found: dict[str, dict] = {r.name: {} for r in rows}

	def add(targets, doctype, name, title, matched_on, created=None):
		for target in targets:
			if not (doctype == "Lead" and name == target):
				found[target].setdefault(
					(doctype, name), (duplicates.Match(doctype, name, matched_on, title), created)
				)

	by_email: dict[str, set] = {}
	for r in rows:
		email = normalise_email(r.email_id)
		if email:
			by_email.setdefault(email, set()).add(r.name)
	if by_email:
		emails = sorted(by_email)
		# bulk statements (one per kind of record for the chunk), as find_matches' per-lead queries
		for name, title, email, created in frappe.db.sql(
			"""select name, lead_name, email_id, creation from `tabLead`
			where email_id in %s and merged_into is null order by creation, name""",
			[emails],
		):
			add(by_email.get((email or "").strip().lower(), ()), "Lead", name, title, "Email", created)
		for name, title, email in frappe.db.sql(
			"select name, customer_name, email_id from `tabCustomer` where email_id in %s order by creation",
			[emails],
		):
			add(by_email.get((email or "").strip().lower(), ()), "Customer", name, title, "Email")
		for name, title, email in frappe.db.sql(
			"""select c.name, c.full_name, e.email_id from `tabContact` c
			join `tabContact Email` e on e.parent = c.name and e.parenttype = 'Contact'
			where e.email_id in %s order by c.creation""",
			[emails],
		):
			add(by_email.get((email or "").strip().lower(), ()), "Contact", name, title, "Email")

	by_phone: dict[str, set] = {}
	by_digits: dict[str, set] = {}
	for r in rows:
		for number in {r.phone_e164, r.mobile_e164} - {None, ""}:
			by_phone.setdefault(number, set()).add(r.name)
			for form in phone_digit_forms(number):
				by_digits.setdefault(form, set()).add(r.name)
	if by_phone:
		params = {"phones": sorted(by_phone), "d": sorted(by_digits)}

		def targets(*keys):
			out = set()
			for index, key in keys:
				out |= index.get(key or "", set())
			return out

		for r in frappe.db.sql(
			"""select name, lead_name, creation, phone_e164, mobile_e164, phone_digits, mobile_digits
			from `tabLead` where (phone_e164 in %(phones)s or mobile_e164 in %(phones)s
				or phone_digits in %(d)s or mobile_digits in %(d)s) and merged_into is null
			order by creation""",
			params,
			as_dict=True,
		):
			hit = targets(
				(by_phone, r.phone_e164),
				(by_phone, r.mobile_e164),
				(by_digits, r.phone_digits),
				(by_digits, r.mobile_digits),
			)
			add(sorted(hit), "Lead", r.name, r.lead_name, "Phone", r.creation)
		for r in frappe.db.sql(
			"""select name, customer_name, phone_digits, mobile_digits from `tabCustomer`
			where phone_digits in %(d)s or mobile_digits in %(d)s order by creation""",
			params,
			as_dict=True,
		):
			hit = targets((by_digits, r.phone_digits), (by_digits, r.mobile_digits))
			add(sorted(hit), "Customer", r.name, r.customer_name, "Phone")
		contact_digits: dict[str, set] = {}
		for parent, digits in frappe.db.sql(
			"""select parent, phone_digits from `tabContact Phone`
			where phone_digits in %(d)s and parenttype = 'Contact'""",
			params,
		):
			contact_digits.setdefault(parent, set()).add(digits)
		if contact_digits:
			for name, title in frappe.db.sql(
				"select name, full_name from `tabContact` where name in %s order by creation",
				[sorted(contact_digits)],
			):
				hit = targets(*((by_digits, d) for d in contact_digits[name]))
				add(sorted(hit), "Contact", name, title, "Phone")
	return {name: list(matches.values()) for name, matches in found.items()}


def _match_rows(parent: str, matches: list, kept: dict | None = None) -> list[tuple]:
	"""Lead Duplicate rows of `parent`; `kept` caches names_kept per doctype (and whether the site has
	User Permissions) for a chunk."""
	now = now_datetime()
	kept = {} if kept is None else kept
	values = []
	for idx, m in enumerate(matches, start=1):
		if m.doctype not in kept:
			if "limited_readers" not in kept:  # any User Permission on the site: once per chunk
				kept["limited_readers"] = duplicates.user_permissions_exist()
			kept[m.doctype] = duplicates.names_kept(m.doctype, kept["limited_readers"])
		named = kept[m.doctype]
		values.append(
			(
				frappe.generate_hash(length=10),
				now,
				now,
				frappe.session.user,
				frappe.session.user,
				parent,
				"Lead",
				"duplicates",
				idx,
				m.doctype,
				m.name if named else None,
				m.matched_on,
				m.title if named else None,
			)
		)
	return values


def _insert_match_rows(values: list[tuple]) -> None:
	if not values:
		return
	_insert_rows(
		"Lead Duplicate",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"parent",
			"parenttype",
			"parentfield",
			"idx",
			"reference_doctype",
			"reference_name",
			"matched_on",
			"match_title",
		],
		values,
	)


def _merge(row) -> None:
	duplicates.merge_leads(duplicate=row.name, original=row.merge_into)


def merge_as_importer(row) -> bool:
	"""Fold an imported lead into the lead it repeats as the user who imported it (the lead's owner), in
	their language, whoever runs the pass: the hourly sweep's job runs as Administrator, and a pass queued
	by one import also finishes another user's. What the merge writes (the leads' comments, a refusal's
	note and notification) is in the importer's language, not the worker's. A merge that user may not make
	(a User Permission or the own-records rule hides the earlier lead) is not made: the lead stays a flagged
	duplicate, the importer is told the row and why (without naming the lead), and nothing goes to the
	Error Log. Returns whether it was merged."""
	from frappe.translate import get_user_lang

	runner, lang = frappe.session.user, frappe.local.lang
	importer = row.owner or runner
	try:
		if importer != runner:
			frappe.set_user(importer)
		frappe.local.lang = get_user_lang(importer)
		if not all(frappe.has_permission("Lead", "write", name) for name in (row.merge_into, row.name)):
			report_refused_merge(row.name, importer)
			return False
		return _isolated(row.name, lambda: _merge(row))
	finally:
		frappe.local.lang = lang
		if frappe.session.user != runner:
			frappe.set_user(runner)


def report_refused_merge(lead: str, importer: str) -> None:
	"""Tell the importer that the row of `lead` was not merged, in the current language (merge_as_importer
	sets theirs): with a notification linking to the import (the channel they see: Frappe's import form
	shows a row's messages only for failed rows) and in the row's Data Import Log. A failure here is logged once and never stops the pass."""
	_isolated(lead, lambda: _report_refused_merge(lead, importer))


def _report_refused_merge(lead: str, importer: str) -> None:
	# by the crm_import_log_docname index (crm_suite/setup/indexes.py): Frappe's table has none on docname
	log = frappe.db.get_value(
		"Data Import Log",
		{"docname": lead, "success": 1},
		["name", "data_import", "row_indexes", "messages"],
		as_dict=True,
		order_by="creation desc",
	)
	indexes = json.loads(log.row_indexes or "[]") if log else []
	row = indexes[0] if indexes else None
	if row is None:
		message = _(
			"Imported lead {0} was not merged: it repeats a lead you may not edit. It is kept as a flagged duplicate."
		).format(lead)
	else:
		message = _(
			"Row {0}: not merged: it repeats a lead you may not edit. It is kept as a flagged duplicate ({1})."
		).format(row, lead)

	if log:
		messages = json.loads(log.messages or "[]")
		note = {"title": _("Not merged"), "message": message}
		# the log is MyISAM (a rollback keeps it): a chunk redone after a kill finds its note already there
		if note not in messages:
			messages.append(note)
			frappe.db.set_value(
				"Data Import Log", log.name, "messages", json.dumps(messages), update_modified=False
			)
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	make_notification_logs(
		frappe._dict(
			type="Alert",
			document_type="Data Import" if log else "Lead",
			document_name=log.data_import if log else lead,
			subject=message,
		),
		[importer],
	)


def _assigned(row) -> bool:
	try:
		return bool(json.loads(row._assign or "[]"))
	except ValueError:
		return False


def _insert_rows(doctype: str, columns: list[str], rows: list[tuple]) -> None:
	from crm_suite.sales.bulk_import import insert_rows

	insert_rows(doctype, columns, rows)


def assign_round_robin(rows: list) -> None:
	"""Assign these leads in turn to the Lead Round Robin rule's users, continuing from its last user:
	one ToDo each (bulk insert) and the lead's `_assign`, then the rule's last user."""
	if not rows or not frappe.db.exists("Assignment Rule", {"name": RULE, "disabled": 0}):
		return
	rule = frappe.get_cached_doc("Assignment Rule", RULE)
	users = [u.user for u in rule.users]
	if not users:
		return
	start = users.index(rule.last_user) + 1 if rule.last_user in users else 0
	# the rule's description as frappe.render_template renders it, compiled once for the chunk
	from frappe.utils.jinja import guess_is_path

	description = rule.description or ""
	if description and ".__" not in description and not guess_is_path(description):
		render = frappe.get_jenv().from_string(description).render
	else:  # empty, a path or refused: Frappe's own function decides
		render = lambda row: frappe.render_template(description, row)  # noqa: E731
	now = now_datetime()
	todos, assignees = [], {}
	for i, row in enumerate(rows):
		user = users[(start + i) % len(users)]
		assignees[row.name] = user
		todos.append(
			(
				frappe.generate_hash(length=10),
				now,
				now,
				frappe.session.user,
				frappe.session.user,
				"Open",
				"Medium",
				user,
				"Lead",
				row.name,
				render(row) or row.lead_name or row.name,
				frappe.session.user,
				RULE,
			)
		)
	_insert_rows(
		"ToDo",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"status",
			"priority",
			"allocated_to",
			"reference_type",
			"reference_name",
			"description",
			"assigned_by",
			"assignment_rule",
		],
		todos,
	)
	# the "assigned" timeline entry Frappe's ToDo adds (ToDo.validate/on_update), one multi-row INSERT
	by = get_fullname(frappe.session.user)
	_insert_rows(
		"Comment",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"comment_type",
			"comment_email",
			"reference_doctype",
			"reference_name",
			"content",
		],
		[
			(
				frappe.generate_hash(length=10),
				now,
				now,
				frappe.session.user,
				frappe.session.user,
				"Assigned",
				frappe.session.user,
				"Lead",
				todo[9],
				_("{0} self assigned this task: {1}").format(by, todo[10])
				if todo[7] == frappe.session.user
				else _("{0} assigned {1}: {2}").format(by, get_fullname(todo[7]), todo[10]),
			)
			for todo in todos
		],
	)
	for user in set(assignees.values()):
		names = [n for n, u in assignees.items() if u == user]
		frappe.db.sql(
			"update `tabLead` force index (primary) set _assign = %s where name in %s",
			(json.dumps([user]), names),
		)
	frappe.db.set_value("Assignment Rule", RULE, "last_user", users[(start + len(rows) - 1) % len(users)])
	frappe.clear_document_cache("Assignment Rule", RULE)
	notify_assignees(assignees)


def notify_assignees(assignees: dict[str, str]) -> None:
	"""One assignment notification per assignee for the chunk ("X assigned you imported leads: N") instead
	of Frappe's one per lead, in the chunk's transaction (a chunk redone after a kill notifies once). As
	Frappe's notify_assignment: in the assignee's language, not to the user who assigns nor to a disabled
	user; Frappe's make_notification_logs honours the user's Notification Settings and sends the email.
	It links to the assignee's open ToDos of leads."""
	from urllib.parse import urlencode

	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	by_user: dict[str, list[str]] = {}
	for lead, user in assignees.items():
		by_user.setdefault(user, []).append(lead)
	me = frappe.session.user
	languages = dict(
		frappe.get_all(
			"User",
			filters={"name": ["in", sorted(by_user)], "enabled": 1},
			fields=["name", "language"],
			as_list=True,
		)
	)
	by = frappe.bold(get_fullname(me))
	for user, leads in sorted(by_user.items()):  # rows of Notification Settings locked in one order
		if user == me or user not in languages:
			continue
		query = urlencode({"reference_type": "Lead", "allocated_to": user, "status": "Open"})
		make_notification_logs(
			frappe._dict(
				type="Assignment",
				document_type="Lead",
				document_name=leads[0],
				from_user=me,
				subject=_("{0} assigned you imported leads: {1}", lang=languages[user]).format(
					by, len(leads)
				),
				link=get_url(f"/app/todo?{query}"),  # absolute: the notification email links it too
			),
			[user],
		)
