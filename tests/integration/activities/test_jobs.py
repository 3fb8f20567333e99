"""Reminders and the morning digest: scheduled (every entry of scheduler_events of the module asserted),
idempotent, per-user time zone, and one failing record never stops the job."""

from datetime import timedelta

import frappe
import pytest
from frappe.utils import add_days, add_to_date, get_datetime, now_datetime

from crm_suite.activities import reminders
from tests.integration.activities.helpers import make_activity
from tests.integration.factories import make_lead, make_user

JOBS = {
	"crm_suite.activities.reminders.send_due_reminders": ("Cron", "*/5 * * * *"),
	"crm_suite.activities.reminders.send_morning_digests": ("Hourly", None),
}


def test_every_activity_job_is_scheduled():
	events = frappe.get_hooks("scheduler_events")
	assert "crm_suite.activities.reminders.send_due_reminders" in events["cron"]["*/5 * * * *"]
	assert "crm_suite.activities.reminders.send_morning_digests" in events["hourly"]
	ours = {
		m
		for key, value in events.items()
		for m in (value if isinstance(value, list) else [x for v in value.values() for x in v])
		if m.startswith("crm_suite.activities.")
	}
	assert ours == set(JOBS)
	for method, (frequency, cron) in JOBS.items():
		job = frappe.get_doc("Scheduled Job Type", {"method": method})
		assert job.frequency == frequency and (job.cron_format or None) == cron and not job.stopped
		assert callable(frappe.get_attr(method))


@pytest.fixture
def seller():
	user = make_user("Sales User")
	frappe.db.set_value("User", user.name, "language", "en")
	return user


def alerts(user, name=None):
	filters = {"for_user": user, "type": "Alert"}
	if name:
		filters["document_name"] = name
	return frappe.db.count("Notification Log", filters)


def queued(recipient, reference_name):
	return frappe.db.count(
		"Email Queue", {"reference_name": reference_name, "message": ("like", f"%{recipient}%")}
	)


def test_a_reminder_goes_out_once_before_the_due_time(seller):
	now = now_datetime()
	soon = make_activity(make_lead(), assigned_to=seller.name, due_on=add_to_date(now, minutes=10))
	later = make_activity(make_lead(), assigned_to=seller.name, due_on=add_to_date(now, hours=3))
	all_day = make_activity(make_lead(), assigned_to=seller.name, due_on=now, all_day=1)
	names = [soon.name, later.name, all_day.name]
	assert reminders.send_reminders(now=now, names=names, commit=False) == 1
	assert alerts(seller.name, soon.name) == 1 and alerts(seller.name, later.name) == 0
	assert (
		frappe.db.count("Email Queue", {"reference_doctype": "CRM Activity", "reference_name": soon.name})
		== 1
	)
	assert reminders.send_reminders(now=now, names=names, commit=False) == 0  # idempotent
	assert alerts(seller.name, soon.name) == 1
	# rescheduled: reminded again before the new time
	doc = frappe.get_doc("CRM Activity", soon.name)
	doc.due_on = add_to_date(now, minutes=12)
	doc.save()
	assert reminders.send_reminders(now=now, names=names, commit=False) == 1
	assert alerts(seller.name, soon.name) == 2
	# closed activities are not reminded
	later.reload()
	later.status, later.outcome = "Cancelled", "no"
	later.save()
	assert reminders.send_reminders(now=add_to_date(now, hours=3), names=names, commit=False) == 0


def test_reminders_respect_the_users_notification_settings(seller):
	frappe.get_doc(
		{"doctype": "Notification Settings", "name": seller.name, "enable_email_event_reminders": 0}
	).insert(ignore_permissions=True) if not frappe.db.exists(
		"Notification Settings", seller.name
	) else frappe.db.set_value("Notification Settings", seller.name, "enable_email_event_reminders", 0)
	activity = make_activity(
		make_lead(), assigned_to=seller.name, due_on=add_to_date(now_datetime(), minutes=5)
	)
	assert reminders.send_reminders(names=[activity.name], commit=False) == 1
	assert alerts(seller.name, activity.name) == 1
	assert frappe.db.count("Email Queue", {"reference_name": activity.name}) == 0


def test_reminders_are_off_at_zero_minutes(seller):
	activity = make_activity(
		make_lead(), assigned_to=seller.name, due_on=add_to_date(now_datetime(), minutes=5)
	)
	frappe.db.set_single_value("Activity Settings", "reminder_minutes", 0)
	assert reminders.send_reminders(names=[activity.name], commit=False) == 0


def test_one_failing_reminder_does_not_stop_the_others(seller, monkeypatch):
	now = now_datetime()
	acts = [
		make_activity(make_lead(), assigned_to=seller.name, due_on=add_to_date(now, minutes=m))
		for m in (5, 6, 7)
	]
	real = reminders.notify

	def broken(user, subject, name=None, link=None):
		if name == acts[1].name:
			raise RuntimeError("mail server on fire")
		return real(user, subject, name, link)

	monkeypatch.setattr(reminders, "notify", broken)
	errors = frappe.db.count("Error Log")
	assert reminders.send_reminders(now=now, names=[a.name for a in acts], commit=False) == 2
	assert frappe.db.count("Error Log") == errors + 1
	# the failed one was undone (no claim): the next run sends it
	assert not frappe.db.get_value("CRM Activity", acts[1].name, "reminder_sent_for")
	monkeypatch.setattr(reminders, "notify", real)
	assert reminders.send_reminders(now=now, names=[a.name for a in acts], commit=False) == 1


def test_the_morning_digest_once_a_day_from_the_digest_hour(seller):
	user = seller.name
	frappe.db.set_value("User", user, "time_zone", "Asia/Tokyo")
	frappe.db.set_single_value("Activity Settings", "digest_hour", 7)
	# 06:30 in Tokyo: not yet; 07:30: yes, once
	base = get_datetime(now_datetime().strftime("%Y-%m-%d 12:00:00"))
	offset = reminders.local_time(base, "Asia/Tokyo") - base
	before = base.replace(hour=6, minute=30) - offset
	after = base.replace(hour=7, minute=30) - offset
	# overdue at the digest's hour whatever the time of day the test runs at
	make_activity(make_lead(), assigned_to=user, due_on=add_days(after, -1))
	make_activity(make_lead(), assigned_to=user, due_on=add_days(after, -3))
	assert reminders.local_time(before, "Asia/Tokyo").hour == 6
	assert reminders.send_digests(now=before, users=[user], commit=False) == 0
	assert reminders.send_digests(now=after, users=[user], commit=False) == 1
	assert reminders.send_digests(now=after + timedelta(hours=1), users=[user], commit=False) == 0
	log = frappe.get_all("Activity Digest Log", filters={"user": user}, fields=["digest_date", "overdue"])
	assert len(log) == 1 and log[0].overdue == 2
	assert frappe.db.count("Notification Log", {"for_user": user, "link": "/app/my-day"}) == 1
	assert frappe.db.count("Email Queue", {"reference_doctype": "User", "reference_name": user}) == 1


def test_no_digest_without_overdue_or_todays_work(seller):
	make_activity(make_lead(), assigned_to=seller.name, due_on=add_days(now_datetime(), 3))
	assert reminders.send_digests(users=[seller.name], now=now_datetime().replace(hour=23), commit=False) == 0
