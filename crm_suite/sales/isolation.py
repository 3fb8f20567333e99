"""Per-record error isolation for the nightly Sales jobs: one bad record is logged, the rest go on.

Isolation works with savepoints, which only help while the transaction is alive. A deadlock makes
InnoDB roll back the whole transaction (and drop every savepoint): that is not one record's failure,
so it is not logged and skipped but re-raised, and the job stops with the deadlock (Frappe's job runner
retries a job that failed on one) instead of with "SAVEPOINT … does not exist" from a rollback to a
savepoint that is gone."""

from collections.abc import Callable

import frappe


def transaction_lost(e: BaseException) -> bool:
	"""Whether the database rolled back the whole transaction (a deadlock), so no savepoint is left."""
	return isinstance(e, frappe.QueryDeadlockError) or frappe.db.is_deadlocked(e)


def run_isolated(fn: Callable[[], object], doctype: str, name: str, title: str) -> bool:
	"""Run `fn` inside a savepoint. If it raises, undo what it wrote, log the error with its traceback
	to the Error Log (referencing `doctype`/`name`) and return False; True when it went through. A
	deadlock is re-raised (`transaction_lost`).

	Frappe's `frappe.database.database.savepoint(catch=…)` context manager does the same savepoint
	handling, but it cannot leave out a deadlock (it would try to roll back to the savepoint the
	deadlock dropped) nor log what it caught, hence this equivalent."""
	save_point = f"crm_{frappe.generate_hash(length=10)}"
	frappe.db.savepoint(save_point)
	try:
		fn()
	except Exception as e:
		if transaction_lost(e):
			raise
		frappe.db.rollback(save_point=save_point)
		frappe.log_error(title=title, reference_doctype=doctype, reference_name=name)
		return False
	frappe.db.release_savepoint(save_point)
	return True
