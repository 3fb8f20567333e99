"""Time-critical scheduled jobs run on the `short` queue, ahead of any burst on `default`.

Frappe puts every scheduled job on `default` (or `long` for the *_long frequencies). A burst of intake
fills `default` with one assignment-notification job per new lead or ticket (Frappe's Assignment Rule,
0.6–0.9 s each with one worker), and the 5-minute SLA check queued behind thousands of them for over an
hour (issue 18). Every Frappe worker takes `short` first (`bench worker` with no queue lists short,
default, long in that order; `bench setup production`'s workers too), so the methods listed in the app's
`crm_time_critical_jobs` hook go there: the SLA check (and with it the escalations) and the activity
reminders then start as soon as a worker finishes its current job, however long `default` is.
Measured figures: docs/operations.md, "Queues under a burst".
"""

import frappe
from frappe.core.doctype.scheduled_job_type.scheduled_job_type import ScheduledJobType

QUEUE = "short"


def time_critical_jobs() -> set[str]:
	return set(frappe.get_hooks("crm_time_critical_jobs"))


class CRMScheduledJobType(ScheduledJobType):
	"""Frappe's Scheduled Job Type (hooks.override_doctype_class); only the queue choice differs."""

	def get_queue_name(self):
		if self.method in time_critical_jobs():
			return QUEUE
		return super().get_queue_name()
