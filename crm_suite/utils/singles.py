"""The app's Single DocTypes (settings): their stored values, and saves that queue instead of deadlocking.

Frappe keeps a Single as rows of `tabSingles`, which has no unique key (an index on doctype, field), and
saves it with a locking read of every row of the doctype, then a DELETE of them and an INSERT per field
(`Document.update_single`). Two saves at once, or a save and a locking read of one of its values, deadlock
on that index: the second session's lock request waits on a row of the doctype, and InnoDB makes the first
session's INSERTs into the gaps around it wait for that waiting request (two REST PUTs of Analytics
Settings at once: one got "Deadlock found", a 500). So each app Single is locked first on its DocType row
(a primary key: a record lock, no gaps): a writer exclusively (`SerialisedSingle` when the document is
loaded for update, which REST PUT and every save's check do; `set_single_value`), a reader that must see
the latest commit in share mode (`fresh_single_value(lock=True)`). The second session waits there, before
it has asked for anything in `tabSingles`, and goes on after the first one's commit.
"""

import frappe
from frappe.model.document import Document


def lock_single(doctype: str, shared: bool = False) -> None:
	"""Lock the Single's DocType row until the transaction ends: exclusively for a write, in share mode for
	a read that a write must wait for."""
	mode = "lock in share mode" if shared else "for update"
	frappe.db.sql(f"select name from `tabDocType` where name = %s {mode}", doctype)


class SerialisedSingle(Document):
	"""A Single whose loads for update (REST PUT, the check before every save) take the DocType row's lock
	first, so saves of it queue instead of deadlocking."""

	def load_from_db(self):
		if self.flags.for_update:
			lock_single(self.doctype)
		return super().load_from_db()


def set_single_value(doctype: str, fieldname: str | dict, value=None) -> None:
	"""`frappe.db.set_single_value` after the DocType row's lock, as a save takes it."""
	lock_single(doctype)
	frappe.db.set_single_value(doctype, fieldname, value)


def fresh_single_value(doctype: str, fieldname: str, lock: bool = False) -> str | None:
	"""The value as stored now (not Frappe's cached document: it may have changed in this transaction);
	None when it was never stored. `lock`: the latest committed value, and a save of the Single waits for
	this transaction's commit (a shared lock on the DocType row, then a locking read of the value)."""
	if lock:
		lock_single(doctype, shared=True)
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
