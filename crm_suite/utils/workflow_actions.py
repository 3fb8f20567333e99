"""One writer at a time for Frappe's Workflow Action rows: concurrent saves no longer deadlock.

On every insert and every state change of a workflow-governed document, Frappe's Workflow
(`process_workflow_actions`, a "*" on_update doc event) first completes the document's open actions with
an `UPDATE ... WHERE ... user = %s` that InnoDB runs on the `user` index of `tabWorkflow Action`. No row
matches (v15 stores roles, not users), so the statement takes a next-key lock on the end of that index
(its supremum), and then inserts the new action there. Two such saves at once (a lead and a ticket, two
tickets, ...) each hold that lock and wait for the other's: InnoDB kills one with a deadlock, a 500 for
its client (issue 18: 124 of 1,790 requests under 8 REST clients).

The fix is a lock order: before Frappe's handler runs (doctype doc events run before "*" ones), such a
save takes one exclusive row lock that all of them share, the `Workflow Action` row of `tabDocType`,
and keeps it to its commit. The Workflow Action writes of two saves then follow one another instead of
interleaving; everything else (the workflow, its transitions, the actions list, the e-mails) stays
Frappe's. Saves that leave the state alone write no action and take no lock. Measured options and
figures: docs/operations.md, "Under load".
"""

import frappe
from frappe.model.workflow import get_workflow_name, get_workflow_state_field


def lock_before_workflow_actions(doc, method=None) -> None:
	"""on_update doc event of the app's workflow-governed doctypes (hooks.py)."""
	if not (doc.flags.in_insert or _state_changed(doc)):
		return
	if not get_workflow_name(doc.doctype):
		return
	frappe.db.sql("select name from `tabDocType` where name = 'Workflow Action' for update")


def _state_changed(doc) -> bool:
	workflow = get_workflow_name(doc.doctype)
	if not workflow:
		return False
	return doc.has_value_changed(get_workflow_state_field(workflow))
