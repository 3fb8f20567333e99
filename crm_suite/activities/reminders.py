"""Reminders before an activity is due, and each user's morning digest of overdue work (scheduled in
hooks.py: reminders every 5 minutes, the digest hourly).

Both are idempotent and isolate failures:
- A reminder is claimed on the activity itself (`reminder_sent_for` = the due time it was sent for), read
  with a row lock in the same transaction as the notification and the queued email, so a second run, or
  two runs at once, never remind twice; rescheduling an activity clears the claim (it is reminded again
  before its new time). All-day activities get no timed reminder: they are in the morning digest.
- A digest is claimed by an Activity Digest Log row, unique per user and local date.
- Each activity or user runs in its own savepoint (`run_isolated`): one that fails is undone, logged to
  the Error Log and retried on the next run; the job goes on with the others. With `commit=True` (the
  scheduled entry points) each one is committed on its own.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.desk.doctype.notification_settings.notification_settings import (
	is_email_notifications_enabled,
	is_notifications_enabled,
)
from frappe.query_builder.functions import Count, Sum
from frappe.utils import (
	add_days,
	escape_html,
	format_datetime,
	get_datetime,
	get_system_timezone,
	get_url,
	get_url_to_form,
	now_datetime,
)
from pypika.terms import Case

from crm_suite.activities import rules
from crm_suite.activities.settings import get_settings
from crm_suite.sales.isolation import run_isolated

DOCTYPE = "CRM Activity"
CHUNK = 500
DIGEST_ROWS = 20


# ------------------------------------------------------------------ scheduled entry points
def send_due_reminders() -> int:
	"""Every 5 minutes (hooks.scheduler_events)."""
	return send_reminders()


def send_morning_digests() -> int:
	"""Hourly (hooks.scheduler_events): each user gets theirs once, from the digest hour of their day on."""
	return send_digests()


# ------------------------------------------------------------------ reminders
def due_for_reminder(window: tuple[datetime, datetime], after: str = "", names: list[str] | None = None):
	start, end = window
	a = frappe.qb.DocType(DOCTYPE)
	query = (
		frappe.qb.from_(a)
		.select(a.name)
		.where(a.status == rules.OPEN)
		.where(a.due_on > start)
		.where(a.due_on <= end)
		.where(a.all_day == 0)
		.where(a.reminder_sent_for.isnull() | (a.reminder_sent_for != a.due_on))
		.where(a.name > after)
		.orderby(a.name)
		.limit(CHUNK)
	)
	if names is not None:
		query = query.where(a.name.isin(names or [""]))
	return query.run(pluck=True)


def send_reminders(now: datetime | None = None, names: list[str] | None = None, commit: bool = True) -> int:
	"""Remind the assignee of every open timed activity due within the configured minutes (or missed by
	at most an hour). `names` limits it to those activities. Returns how many were reminded."""
	settings = get_settings()
	window = rules.reminder_window(now or now_datetime(), settings.reminder_minutes)
	if not window:
		return 0
	sent, after = 0, ""
	while batch := due_for_reminder(window, after, names):
		for name in batch:
			if isolated(
				lambda name=name: remind(name, window, settings),
				DOCTYPE,
				name,
				_("Activity reminder failed for {0}").format(name),
			):
				sent += 1
			if commit:
				frappe.db.commit()
		after = batch[-1]
	return sent


def isolated(fn, doctype: str, name: str, title: str) -> bool:
	"""fn() in its own savepoint (`run_isolated`: a failure is undone and logged); True when it ran and
	returned True."""
	result = []
	return run_isolated(lambda: result.append(fn()), doctype, name, title) and bool(result and result[0])


# what a reminder reads of its activity (under a row lock)
REMINDER_FIELDS = (
	"name subject activity_type due_on assigned_to reference_doctype reference_name reference_title status"
	" all_day reminder_sent_for"
).split()


def remind(name: str, window: tuple[datetime, datetime], settings) -> bool:
	"""Claim the reminder (row lock, re-checked on the latest row) and send it. False when another run
	got there first or the activity changed; raises (to be undone and logged) when sending fails."""
	activity = frappe.qb.DocType("CRM Activity")
	row = (
		frappe.qb.from_(activity)
		.select(*(activity[field] for field in REMINDER_FIELDS))
		.where(activity.name == name)
		.for_update()
		.run(as_dict=True)
	)
	if not row:
		return False
	row = row[0]
	start, end = window
	if (
		row.status != rules.OPEN
		or row.all_day
		or not (start < row.due_on <= end)
		or (row.reminder_sent_for and get_datetime(row.reminder_sent_for) == row.due_on)
	):
		return False
	frappe.db.set_value(DOCTYPE, name, "reminder_sent_for", row.due_on, update_modified=False)
	user = frappe.db.get_value(
		"User", row.assigned_to, ["name", "email", "language", "enabled"], as_dict=True
	)
	if not user or not user.enabled:
		return False
	lang = user.language or None
	subject = _("Due {0}: {1} ({2})", lang=lang).format(
		format_datetime(row.due_on, "HH:mm"), row.subject, row.reference_title or row.reference_name
	)
	if is_notifications_enabled(user.name):
		notify(user.name, subject, row.name)
	if settings.reminder_email and user.email and wants_reminder_email(user.name):
		link = get_url_to_form(DOCTYPE, row.name)
		record = get_url_to_form(row.reference_doctype, row.reference_name)
		open_label = _("Open the activity", lang=lang)  # not inside the f-string: gettext extracts it
		message = "".join(
			[
				f"<p>{escape_html(subject)}</p>",
				f"<p><a href='{link}'>{escape_html(open_label)}</a> · ",
				f"<a href='{record}'>{escape_html(_(row.reference_doctype, lang=lang))} {escape_html(row.reference_title or row.reference_name)}</a></p>",
			]
		)
		send_mail(user.email, subject, message, DOCTYPE, row.name)
	return True


def send_mail(recipient: str, subject: str, message: str, doctype: str, name: str) -> None:
	"""Queue the mail; a site without an outgoing Email Account gets the in-app notification only (as
	Frappe's own notifications do), not an error every five minutes."""
	try:
		frappe.sendmail(
			recipients=[recipient],
			subject=subject,
			message=message,
			reference_doctype=doctype,
			reference_name=name,
		)
	except frappe.OutgoingEmailError:
		pass


def notify(user: str, subject: str, name: str | None = None, link: str | None = None) -> None:
	"""An in-app notification (Notification Log, type Alert: Frappe sends no email of its own for it)."""
	log = frappe.new_doc("Notification Log")
	log.update(
		{
			"for_user": user,
			"type": "Alert",
			"subject": escape_html(subject),
			"document_type": DOCTYPE if name else None,
			"document_name": name,
			"link": link,
		}
	)
	log.insert(ignore_permissions=True)


def wants_reminder_email(user: str) -> bool:
	"""The user's Notification Settings: email notifications on, and "Event Reminders" by email on."""
	if not is_email_notifications_enabled(user):
		return False
	enabled = frappe.db.get_value("Notification Settings", user, "enable_email_event_reminders")
	return enabled is None or bool(enabled)


# ------------------------------------------------------------------ morning digest
def digest_candidates(now: datetime, users: list[str] | None = None) -> list[dict]:
	"""Per user with open activities overdue or due today (as of `now`): the counts."""
	a = frappe.qb.DocType(DOCTYPE)
	u = frappe.qb.DocType("User")
	today = rules.day_start(now)
	tomorrow = add_days(today, 1)
	overdue = (a.due_on < today) | ((a.all_day == 0) & (a.due_on < now))
	query = (
		frappe.qb.from_(a)
		.join(u)
		.on(u.name == a.assigned_to)
		.select(
			a.assigned_to.as_("user"),
			Sum(Case().when(overdue, 1).else_(0)).as_("overdue"),
			Count(a.name).as_("open_due"),
			u.time_zone,
		)
		.where(a.status == rules.OPEN)
		.where(a.due_on < tomorrow)
		.where(u.enabled == 1)
		.groupby(a.assigned_to, u.time_zone)
	)
	if users is not None:
		query = query.where(a.assigned_to.isin(users or [""]))
	rows = query.run(as_dict=True)
	for row in rows:
		row.overdue = int(row.overdue or 0)
		row.due_today = int(row.open_due or 0) - row.overdue
	return rows


def local_time(now: datetime, time_zone: str | None) -> datetime:
	"""`now` (naive, in the system time zone, as Frappe stores times) in the user's time zone."""
	system = ZoneInfo(get_system_timezone())
	try:
		zone = ZoneInfo(time_zone) if time_zone else system
	except Exception:
		zone = system
	return now.replace(tzinfo=system).astimezone(zone).replace(tzinfo=None)


def send_digests(now: datetime | None = None, users: list[str] | None = None, commit: bool = True) -> int:
	"""The morning digest for every user with overdue or today's open activities whose local time is past
	the digest hour and who has not had today's. Returns how many were sent."""
	settings = get_settings()
	if not settings.send_digest:
		return 0
	now = now or now_datetime()
	sent = 0
	for row in digest_candidates(now, users):
		local_now = local_time(now, row.time_zone)
		if not rules.digest_due(local_now, settings.digest_hour):
			continue
		day = local_now.date()
		if isolated(
			lambda row=row, day=day: digest(row, day, now),
			"User",
			row.user,
			_("Activity digest failed for {0}").format(row.user),
		):
			sent += 1
		if commit:
			frappe.db.commit()
	return sent


def digest(row, day, now: datetime) -> bool:
	"""Claim the user's digest for `day` (a unique row) and send it; False when it went out already."""
	if frappe.db.exists("Activity Digest Log", {"user": row.user, "digest_date": day}):
		return False
	log = frappe.get_doc(
		{
			"doctype": "Activity Digest Log",
			"user": row.user,
			"digest_date": day,
			"overdue": row.overdue,
			"due_today": row.due_today,
		}
	)
	log.name = f"{day} {row.user}"
	try:
		log.insert(ignore_permissions=True)
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		return False  # another run inserted it meanwhile (the unique key waited for its commit)
	user = frappe.db.get_value("User", row.user, ["email", "language"], as_dict=True)
	lang = user.language or None
	subject = _("Your day: {0} overdue, {1} due today", lang=lang).format(row.overdue, row.due_today)
	if is_notifications_enabled(row.user):
		notify(row.user, subject, link="/app/my-day")
	if user.email and is_email_notifications_enabled(row.user):
		send_mail(user.email, subject, digest_html(row.user, now, lang), "User", row.user)
	return True


def digest_html(user: str, now: datetime, lang: str | None) -> str:
	today = rules.day_start(now)
	rows = frappe.get_all(
		DOCTYPE,
		filters={"assigned_to": user, "status": rules.OPEN, "due_on": ("<", add_days(today, 1))},
		fields=[
			"name",
			"subject",
			"activity_type",
			"due_on",
			"all_day",
			"reference_doctype",
			"reference_title",
		],
		order_by="due_on asc",
		limit=DIGEST_ROWS * 5,
	)
	overdue = [r for r in rows if rules.is_overdue(r.due_on, r.all_day, now)][:DIGEST_ROWS]
	today_rows = [r for r in rows if rules.is_due_today(r.due_on, r.all_day, now)][:DIGEST_ROWS]

	all_day = _("all day", lang=lang)  # outside the f-strings, where gettext extracts them
	open_my_day = _("Open My Day", lang=lang)
	overdue_heading, today_heading = _("Overdue", lang=lang), _("Today", lang=lang)

	def items(rs):
		return "".join(
			f"<li><a href='{get_url_to_form(DOCTYPE, r.name)}'>{escape_html(r.subject)}</a> · "
			f"{escape_html(_(r.activity_type, lang=lang))} · {escape_html(r.reference_title or '')} · "
			f"{format_datetime(r.due_on, 'dd-MM HH:mm') if not r.all_day else escape_html(all_day)}</li>"
			for r in rs
		)

	parts = []
	if overdue:
		parts.append(f"<h4>{escape_html(overdue_heading)}</h4><ul>{items(overdue)}</ul>")
	if today_rows:
		parts.append(f"<h4>{escape_html(today_heading)}</h4><ul>{items(today_rows)}</ul>")
	parts.append(f"<p><a href='{get_url('/app/my-day')}'>{escape_html(open_my_day)}</a></p>")
	return "".join(parts)
