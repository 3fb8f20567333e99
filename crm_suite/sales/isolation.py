"""Per-record error isolation for the nightly Sales jobs: one bad record is logged, the rest go on."""

from collections.abc import Callable

import frappe


def run_isolated(fn: Callable[[], object], doctype: str, name: str, title: str) -> bool:
	"""Run `fn` inside a savepoint. If it raises, undo what it wrote, log the error with its traceback
	to the Error Log (referencing `doctype`/`name`) and return False; True when it went through."""
	save_point = f"crm_{frappe.generate_hash(length=10)}"
	frappe.db.savepoint(save_point)
	try:
		fn()
	except Exception:
		frappe.db.rollback(save_point=save_point)
		frappe.log_error(title=title, reference_doctype=doctype, reference_name=name)
		return False
	frappe.db.release_savepoint(save_point)
	return True
