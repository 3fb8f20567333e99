"""Every `scheduler_events` entry of the app, asserted: its frequency, the Scheduled Job Type Frappe synced
from it (not stopped), the queue the scheduler puts it on (the time-critical jobs on `short`, ahead of a
burst on `default`; the *_long ones on `long`) and that its method exists."""

import frappe
import pytest

from crm_suite import hooks
from crm_suite.utils.scheduled_jobs import QUEUE

# method: (Scheduled Job Type frequency, cron format, queue)
SCHEDULE = {
	"crm_suite.service.jobs.check_sla": ("Cron", "*/5 * * * *", QUEUE),
	"crm_suite.activities.reminders.send_due_reminders": ("Cron", "*/5 * * * *", QUEUE),
	"crm_suite.utils.workflow_actions.sweep": ("Cron", "* * * * *", QUEUE),
	"crm_suite.crm.messaging_inbox.sweep_inbox": ("Cron", "* * * * *", "default"),
	"crm_suite.marketing.outreach.enqueue_due_outreach": ("Hourly", None, "default"),
	"crm_suite.activities.reminders.send_morning_digests": ("Hourly", None, "default"),
	"crm_suite.sales.import_pass.sweep": ("Hourly", None, "default"),
	"crm_suite.sales.match_names.sweep": ("Hourly", None, "default"),
	"crm_suite.sales.follow_up.create_follow_up_todos": ("Daily", None, "default"),
	"crm_suite.service.jobs.auto_close_resolved": ("Daily", None, "default"),
	"crm_suite.crm.messaging_inbox.purge_inbox": ("Daily", None, "default"),
	"crm_suite.analytics.rfm.run_nightly": ("Daily Long", None, "long"),
	"crm_suite.analytics.basket.run_scheduled": ("Daily Long", None, "long"),
	"crm_suite.sales.scoring.update_lead_scores": ("Daily Long", None, "long"),
	"crm_suite.crm.money.run_weekly_reconvert": ("Weekly Long", None, "long"),
	"crm_suite.analytics.order_summary.run_weekly_rebuild": ("Weekly Long", None, "long"),
}


def _entries() -> list[str]:
	methods = []
	for key, value in hooks.scheduler_events.items():
		if key == "cron":
			methods += [m for ms in value.values() for m in ms]
		else:
			methods += value
	return methods


def test_the_schedule_is_exactly_the_table():
	methods = _entries()
	assert len(methods) == len(set(methods)), "a job listed twice"
	assert set(methods) == set(SCHEDULE)
	assert set(hooks.crm_time_critical_jobs) == {m for m, (_f, _c, q) in SCHEDULE.items() if q == QUEUE}


@pytest.mark.parametrize("method", sorted(SCHEDULE))
def test_each_entry_is_synced_queued_and_callable(method):
	frequency, cron, queue = SCHEDULE[method]
	job = frappe.get_doc("Scheduled Job Type", {"method": method})
	assert (job.frequency, job.cron_format or None, bool(job.stopped)) == (frequency, cron, False)
	assert job.get_queue_name() == queue
	assert callable(frappe.get_attr(method))
