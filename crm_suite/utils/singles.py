"""The app's Single DocTypes (settings): their stored values, and saves that queue instead of deadlocking.

Frappe keeps a Single as rows of `tabSingles`, which has no unique key (an index on doctype, field), and
saves it with a locking read of every row of the doctype, then a DELETE of them and an INSERT per field
(`Document.update_single`). Two saves at once, or a save and a locking read of one of its values, deadlock
on that table: the second session's lock request waits on a row, and InnoDB makes the first session's
INSERTs into the gaps around it wait for that waiting request (two REST PUTs of Analytics Settings at once:
one got "Deadlock found", a 500). Saves of two different settings deadlock too when MariaDB reads the small
table by a full scan, which locks every row (seen: a save of CRM Settings while a job stamped Analytics
Settings). So every writer of an app Single first takes one lock for all of them, on a row with a primary
key (a record lock, no gaps), and a reader that must see the latest commit takes it in share mode:
`SerialisedSingle` when the document is loaded for update (REST PUT and every save's check do),
`set_single_value` (the jobs' stamps), `fresh_single_value(lock=True)` (the own-records option a lead
save reads). A second session waits there, before it has asked for anything in `tabSingles`, and goes on
after the first one's commit. The row is CRM Settings' DocType row (LOCK_ROW); settings are saved seldom,
so one at a time costs nothing.
"""

import frappe
from frappe.model.document import Document

LOCK_ROW = "CRM Settings"  # the DocType row every writer of an app Single locks first


def lock_singles(shared: bool = False) -> None:
	"""Take the app Singles' lock until the transaction ends: exclusively for a write, in share mode for a
	read that a write must wait for."""
	mode = "lock in share mode" if shared else "for update"
	frappe.db.sql(f"select name from `tabDocType` where name = %s {mode}", LOCK_ROW)


class SerialisedSingle(Document):
	"""A Single whose loads for update (REST PUT, the check before every save) take the app Singles' lock
	first, so saves queue instead of deadlocking."""

	def load_from_db(self):
		if self.flags.for_update:
			lock_singles()
		return super().load_from_db()


def set_single_value(doctype: str, fieldname: str | dict, value=None) -> None:
	"""`frappe.db.set_single_value` after the app Singles' lock, as a save takes it."""
	lock_singles()
	frappe.db.set_single_value(doctype, fieldname, value)


def fresh_single_value(doctype: str, fieldname: str, lock: bool = False) -> str | None:
	"""The value as stored now (not Frappe's cached document: it may have changed in this transaction);
	None when it was never stored. `lock`: the latest committed value, and a save of the Single waits for
	this transaction's commit (the app Singles' lock in share mode, then a locking read of the value)."""
	if lock:
		lock_singles(shared=True)
		rows = frappe.db.sql(
			"select value from `tabSingles` where doctype = %s and field = %s lock in share mode",
			(doctype, fieldname),
		)
		return rows[0][0] if rows else None
	singles = frappe.qb.DocType("Singles")
	rows = (
		frappe.qb.from_(singles)
		.select(singles.value)
		.where((singles["doctype"] == doctype) & (singles["field"] == fieldname))
		.run()
	)
	return rows[0][0] if rows else None
