# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DeferredAutomation(Document):
	"""A save of a workflow-governed record waiting for its Workflow Actions and Assignment Rules
	(written and processed by crm_suite/utils/workflow_actions.py)."""

	pass
