"""Stage history: how long each lead stays in each status and each opportunity in each stage.

A record's stage is a Lead's `status`; an Open Opportunity's `sales_stage`, else its status (Won, Lost).
Every change of it closes the record's open stay (Stage History row with `left_on` empty: the time it
left, the stage it went to, the days it spent) and opens a new one. It is recorded from the `on_change`
document event, which Frappe runs after every save and every `db_set`, and from the code paths that
change a status with a plain UPDATE (merging a lead). Recording is idempotent: when the open stay already
has the record's stage nothing happens. The open stay is read with a row lock, so two changes of one
record at once (each holding the record's row lock from its own UPDATE) never leave two open stays.

Records that predate the history are backfilled from their Version log (Lead and Opportunity track
changes): `backfill` replays each record's recorded status/stage changes from its creation.
"""

from __future__ import annotations

import json
from datetime import datetime

import frappe
from frappe.model.naming import make_autoname
from frappe.utils import get_datetime, now_datetime
from pypika.terms import ExistsCriterion

from crm_suite.sales.stage_rules import Change, stage_of, stays_from_changes

DOCTYPE = "Stage History"
TRACKED = ("Lead", "Opportunity")
CHUNK = 1000


def current_stage(doc) -> str | None:
	return stage_of(doc.doctype, doc.get("status"), doc.get("sales_stage"))


def on_change(doc, method=None) -> None:
	"""Lead / Opportunity `on_change` (hooks.py); Frappe runs it on delete too, after on_trash."""
	if doc.flags.in_delete:
		return
	before = doc.get_doc_before_save()
	if before is not None and current_stage(before) == current_stage(doc):
		return
	# a record just inserted has no stay to close or repeat
	record_stage(doc.doctype, doc.name, current_stage(doc), new=bool(doc.flags.in_insert))


def on_trash(doc, method=None) -> None:
	"""Lead / Opportunity `on_trash` (hooks.py): a deleted record's stays go with it (they would block the
	deletion as dynamic links)."""
	frappe.db.delete(DOCTYPE, {"reference_doctype": doc.doctype, "reference_name": doc.name})


def record_stage(
	doctype: str, name: str, stage: str | None, when: datetime | None = None, new: bool = False
) -> None:
	"""Close the open stay if its stage differs from `stage` and open one for `stage` (`new`: the record
	was just inserted, so it has no stay yet)."""
	if not stage:
		return
	when = when or now_datetime()
	stays = frappe.qb.DocType(DOCTYPE)
	open_stays = (
		[]
		if new  # a record just inserted has no stay yet: no locking read
		else frappe.qb.from_(stays)
		.select(stays.name, stays.stage, stays.entered_on)
		.where((stays.reference_doctype == doctype) & (stays.reference_name == name) & stays.left_on.isnull())
		.orderby(stays.entered_on, order=frappe.qb.desc)
		.for_update()
		.run(as_dict=True)
	)
	if open_stays and open_stays[0].stage == stage:
		return
	for stay in open_stays:
		entered = get_datetime(stay.entered_on)
		frappe.db.set_value(
			DOCTYPE,
			stay.name,
			{
				"left_on": when,
				"next_stage": stage,
				"days": max((when - entered).total_seconds(), 0) / 86400,
			},
			update_modified=False,
		)
	# A stay is a log row only this module writes, of the record being saved, by the session's user:
	# stored as it is, with one INSERT and Frappe's hash naming (the document machinery's defaults, link
	# checks and doc events were a fifth of a REST lead's insert; `db_insert` still loaded the meta and ran
	# the naming and Notification lookups).
	user, now = frappe.session.user, now_datetime()
	frappe.qb.into(stays).columns(
		*("name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"),
		*("reference_doctype", "reference_name", "stage", "entered_on", "days", "changed_by"),
	).insert(
		*(make_autoname("hash", DOCTYPE), user, now, now, user, 0, 0),
		*(doctype, name, stage, when, 0.0, user),
	).run()


# ------------------------------------------------------------------ backfill from the Version log
def backfill(doctype: str, after: str = "", commit: bool = True) -> int:
	"""Stays for every `doctype` record without any, rebuilt from its Version log; chunked by name and
	committed per chunk (restartable: a record with stays is skipped; `commit=False` keeps the caller's
	transaction). Returns the records filled."""
	filled = 0
	stage_fields = ("status",) if doctype == "Lead" else ("status", "sales_stage")
	record, stays = frappe.qb.DocType(doctype), frappe.qb.DocType(DOCTYPE)
	version_table = frappe.qb.DocType("Version")
	has_stays = (
		frappe.qb.from_(stays)
		.select(1)
		.where((stays.reference_doctype == doctype) & (stays.reference_name == record.name))
	)
	while True:
		records = (
			frappe.qb.from_(record)
			.select(record.name, record.creation, *(record[f] for f in stage_fields))
			.where((record.name > after) & ExistsCriterion(has_stays).negate())
			.orderby(record.name)
			.limit(CHUNK)
			.run(as_dict=True)
		)
		if not records:
			return filled
		changes: dict[str, list[Change]] = {r.name: [] for r in records}
		for version in (
			frappe.qb.from_(version_table)
			.select(version_table.docname, version_table.creation, version_table.owner, version_table.data)
			.where((version_table.ref_doctype == doctype) & version_table.docname.isin(list(changes)))
			.orderby(version_table.docname)
			.orderby(version_table.creation)
			.run(as_dict=True)
		):
			try:
				changed = json.loads(version.data or "{}").get("changed") or []
			except ValueError:
				continue
			for field, old, new in (c for c in changed if len(c) == 3):
				if field in stage_fields:
					changes[version.docname].append(Change(version.creation, field, old, new, version.owner))
		rows = []
		for r in records:
			current = {f: r.get(f) for f in stage_fields}
			for stay in stays_from_changes(doctype, r.creation, current, changes[r.name]):
				rows.append(
					(
						frappe.generate_hash(length=10),
						doctype,
						r.name,
						stay.stage,
						stay.entered_on,
						stay.left_on,
						stay.next_stage,
						stay.days or 0,  # a Float column is NOT NULL: an open stay has 0 (and no left_on)
						stay.changed_by,
						stay.entered_on,
						stay.entered_on,
						"Administrator",
						"Administrator",
					)
				)
		frappe.db.bulk_insert(
			DOCTYPE,
			[
				"name",
				"reference_doctype",
				"reference_name",
				"stage",
				"entered_on",
				"left_on",
				"next_stage",
				"days",
				"changed_by",
				"creation",
				"modified",
				"owner",
				"modified_by",
			],
			rows,
		)
		if commit:
			frappe.db.commit()
		filled += len(records)
		after = records[-1].name


def backfill_all() -> None:
	for doctype in TRACKED:
		backfill(doctype)
