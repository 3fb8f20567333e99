"""Service level agreements applied to tickets: choosing the agreement, deadlines in business time,
pause tracking and the agreement status. The arithmetic lives in business_time.py / sla_rules.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Cast
from frappe.utils import (
	add_years,
	cint,
	flt,
	get_datetime,
	get_system_timezone,
	get_time,
	getdate,
	now_datetime,
)
from pymysql.converters import escape_string

from crm_suite.service.business_time import (
	WEEKDAYS,
	NoServiceHoursError,
	ServiceCalendar,
	Steps,
	business_minutes_between,
)
from crm_suite.service.sla_rules import (
	DONE_STATUSES,
	FAILED,
	PAUSED_STATUSES,
	Targets,
	agreement_status,
	compute_deadlines,
)
from crm_suite.utils.temp_tables import temp_table_sql

SLA_FIELDS = ("service_level_agreement", "priority", "opening_date", "paused_minutes")
# The deadlines are counted on a business-time timeline built day by day from the opening: an opening date
# outside these bounds (a typo such as year 1 or 0202) would build centuries of days, or overflow.
OPENING_YEARS_BACK = 30
OPENING_YEARS_AHEAD = 1


def current_time() -> datetime:
	"""The service desk's clock: now in the system time zone. Tests pin it with
	frappe.flags.service_now (a naive datetime in the system time zone)."""
	return get_datetime(frappe.flags.service_now) if frappe.flags.service_now else now_datetime()


# --------------------------------------------------------------------------- loading agreements
def _cache() -> dict:
	if not hasattr(frappe.local, "crm_sla_cache"):
		frappe.local.crm_sla_cache = {}
	return frappe.local.crm_sla_cache


def clear_sla_cache(*args, **kwargs) -> None:
	frappe.local.crm_sla_cache = {}


def _as_time(value) -> time:
	if isinstance(value, timedelta):
		seconds = int(value.total_seconds()) % 86400
		return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
	return get_time(value)


def get_calendar(sla_name: str) -> ServiceCalendar:
	"""The agreement's service calendar: weekly hours, holidays and zones. Cached per request/job."""
	key = ("calendar", sla_name)
	cache = _cache()
	if key not in cache:
		sla = frappe.db.get_value(
			"Service Level Agreement", sla_name, ["holiday_list", "time_zone"], as_dict=True
		)
		rows = frappe.get_all(
			"SLA Service Hours",
			filters={"parent": sla_name, "parenttype": "Service Level Agreement"},
			fields=["weekday", "start_time", "end_time"],
		)
		holidays: list[date] = []
		if sla and sla.holiday_list:
			holidays = [
				getdate(d)
				for d in frappe.get_all(
					"Service Holiday",
					filters={"parent": sla.holiday_list, "parenttype": "Service Holiday List"},
					pluck="holiday_date",
				)
			]
		system_tz = get_system_timezone()
		cache[key] = ServiceCalendar.build(
			[(WEEKDAYS.index(r.weekday), _as_time(r.start_time), _as_time(r.end_time)) for r in rows],
			holidays=holidays,
			tz=(sla and sla.time_zone) or system_tz,
			data_tz=system_tz,
		)
	return cache[key]


def get_targets(sla_name: str, priority: str) -> Targets | None:
	key = ("targets", sla_name, priority)
	cache = _cache()
	if key not in cache:
		row = frappe.db.get_value(
			"SLA Priority",
			{"parent": sla_name, "parenttype": "Service Level Agreement", "priority": priority},
			["response_time", "resolution_time"],
			as_dict=True,
		)
		cache[key] = Targets(flt(row.response_time) / 60, flt(row.resolution_time) / 60) if row else None
	return cache[key]


def choose_sla(customer: str | None, ticket_type: str | None) -> str | None:
	"""The most specific enabled agreement whose conditions all match; else the default one."""
	customer_group = frappe.db.get_value("Customer", customer, "customer_group") if customer else None
	candidates = frappe.get_all(
		"Service Level Agreement",
		filters={"enabled": 1},
		fields=["name", "customer_group", "ticket_type", "default_sla"],
		order_by="name asc",
	)
	best, best_score = None, -1
	for sla in candidates:
		if sla.customer_group and sla.customer_group != customer_group:
			continue
		if sla.ticket_type and sla.ticket_type != ticket_type:
			continue
		if not (sla.customer_group or sla.ticket_type or sla.default_sla):
			continue  # an agreement without conditions applies only as the default
		score = bool(sla.customer_group) + bool(sla.ticket_type)
		if score > best_score:
			best, best_score = sla.name, score
	return best


# --------------------------------------------------------------------------- applying to a ticket
def opening_bounds() -> tuple[datetime, datetime]:
	"""The earliest and latest opening date a ticket may have (from the real clock)."""
	today = now_datetime()
	return add_years(today, -OPENING_YEARS_BACK), add_years(today, OPENING_YEARS_AHEAD)


def opening_in_bounds(opening: datetime, bounds: tuple[datetime, datetime] | None = None) -> bool:
	earliest, latest = bounds or opening_bounds()
	return earliest <= opening <= latest


def validate_opening_date(ticket) -> None:
	"""Refuse an opening date the deadlines cannot be counted from (nothing is saved)."""
	if not ticket.opening_date:
		return
	try:
		opening = get_datetime(ticket.opening_date)
	except (ValueError, OverflowError):
		opening = None
	if opening is None or not opening_in_bounds(opening):
		earliest, latest = opening_bounds()
		frappe.throw(
			_("Opening Date {0} is out of range: a ticket opens between {1} and {2}.").format(
				frappe.bold(str(ticket.opening_date)),
				frappe.format(earliest.date(), "Date"),
				frappe.format(latest.date(), "Date"),
			),
			title=_("Invalid Opening Date"),
		)


def apply_sla(ticket, now: datetime | None = None) -> None:
	"""Called from Ticket.validate: choose the agreement, track pauses, (re)compute deadlines and status."""
	validate_opening_date(ticket)
	now = now or current_time()
	before = ticket.get_doc_before_save() if not ticket.is_new() else None
	if not ticket.service_level_agreement or (
		before
		and (before.customer != ticket.customer or before.ticket_type != ticket.ticket_type)
		and before.service_level_agreement == ticket.service_level_agreement
	):
		ticket.service_level_agreement = choose_sla(ticket.customer, ticket.ticket_type)
	if not ticket.service_level_agreement:
		ticket.response_by = ticket.resolution_by = ticket.paused_since = None
		ticket.agreement_status = ""
		return

	cal = get_calendar(ticket.service_level_agreement)
	targets = get_targets(ticket.service_level_agreement, ticket.priority)
	if not targets:
		frappe.throw(
			_("Service Level Agreement {0} has no times for priority {1}").format(
				frappe.bold(ticket.service_level_agreement), frappe.bold(_(ticket.priority))
			),
			title=_("Missing Priority"),
		)

	try:
		_apply_calendar(ticket, before, cal, targets, now)
	except NoServiceHoursError:
		frappe.throw(
			_("Service Level Agreement {0} has no service hours within ten years").format(
				frappe.bold(ticket.service_level_agreement)
			),
			title=_("No Service Hours"),
		)


def _apply_calendar(ticket, before, cal: ServiceCalendar, targets: Targets, now: datetime) -> None:
	"""Pause tracking, deadlines and agreement status of a ticket under an agreement's calendar."""
	track_pause(ticket, cal, now)

	changed = before is None or any(before.get(f) != ticket.get(f) for f in SLA_FIELDS)
	reopened = before is not None and before.status in DONE_STATUSES and ticket.status not in DONE_STATUSES
	if changed or reopened or not ticket.resolution_by:
		opening = get_datetime(ticket.opening_date)
		deadlines = compute_deadlines(opening, targets, flt(ticket.paused_minutes), cal)
		if not ticket.first_responded_on:
			ticket.response_by = deadlines.response_by
		if ticket.status not in DONE_STATUSES:
			ticket.resolution_by = deadlines.resolution_by

	# A breach stays a breach unless the agreement or priority was changed by hand.
	previous = before.agreement_status if before else None
	if before and (
		before.service_level_agreement != ticket.service_level_agreement or before.priority != ticket.priority
	):
		previous = None
	ticket.agreement_status = agreement_status(
		status=ticket.status,
		now=now,
		response_by=get_datetime(ticket.response_by) if ticket.response_by else None,
		resolution_by=get_datetime(ticket.resolution_by) if ticket.resolution_by else None,
		first_responded_on=get_datetime(ticket.first_responded_on) if ticket.first_responded_on else None,
		resolution_date=get_datetime(ticket.resolution_date) if ticket.resolution_date else None,
		previous=previous,
	)


def track_pause(ticket, cal: ServiceCalendar, now: datetime) -> None:
	"""Waiting on Customer and Resolved stop the clock; leaving them adds the paused business minutes."""
	if ticket.status in PAUSED_STATUSES:
		if not ticket.paused_since:
			ticket.paused_since = now
	elif ticket.paused_since and ticket.status != "Closed":
		# Closing a Resolved ticket keeps the clock stopped: a manager reopening it later adds the whole
		# Resolved-and-Closed time, as a reopen straight from Resolved does.
		ticket.paused_minutes = flt(ticket.paused_minutes) + business_minutes_between(
			get_datetime(ticket.paused_since), now, cal
		)
		ticket.paused_since = None


def record_first_response(ticket_name: str, when: datetime) -> bool:
	"""Stores the first agent response once; returns True when it was the first."""
	ticket = frappe.get_doc("Ticket", ticket_name)
	if ticket.first_responded_on:
		return False
	ticket.first_responded_on = when
	ticket.flags.system_transition = True
	ticket.save(ignore_permissions=True)
	return True


# --------------------------------------------------------------------------- set-based status refresh
def breach_update(now: datetime, names: list[str] | None = None):
	"""The UPDATE (frappe.qb) marking running tickets past a deadline Failed; `names` limits it to
	these tickets. Its status / agreement_status conditions use the (status, agreement_status) index."""
	ticket = frappe.qb.DocType("Ticket")
	response_breached = ticket.first_responded_on.isnull() & (ticket.response_by < now)
	query = (
		frappe.qb.update(ticket)
		.set(ticket.agreement_status, FAILED)
		.where(ticket.status.isin(["Open", "In Progress"]))
		.where(ticket.agreement_status.isin(["First Response Due", "Resolution Due"]))
		.where(response_breached | (ticket.resolution_by < now))
	)
	return query.where(ticket.name.isin(names)) if names else query


def refresh_agreement_status(now: datetime | None = None, names: list[str] | None = None) -> int:
	"""Marks every running ticket (or these tickets) whose deadline has passed Failed in one statement;
	returns how many."""
	if names is not None and not names:
		return 0
	breach_update(now or current_time(), names).run()
	return frappe.db._cursor.rowcount if frappe.db._cursor else 0


def recompute_open_tickets(
	sla: str | None = None,
	steps: Steps | None = None,
	now: datetime | None = None,
	chunk: int = 5000,
	after_chunk: Callable[[str], None] | None = None,
) -> int:
	"""Recomputes deadlines and status of every ticket that is not Closed (of one agreement, or all),
	e.g. after an agreement's hours or holidays changed: the tickets are read in chunks in name order,
	the business-time arithmetic runs per ticket, one bulk write per chunk of the tickets whose deadlines
	or status changed, then after_chunk(last name) (the background job commits there). The result
	depends only on what is stored, so a job that was stopped half-way is simply run again. Returns the
	number of tickets written."""
	now = now or current_time()
	ticket = frappe.qb.DocType("Ticket")
	condition = (ticket.status != "Closed") & ticket.service_level_agreement.notnull()
	if sla:
		condition &= ticket.service_level_agreement == sla
	# Datetimes are read as text and parsed with datetime.fromisoformat: Frappe's DATETIME converter
	# (strptime) took about a third of the whole recompute on 100k tickets.
	query = (
		frappe.qb.from_(ticket)
		.select(
			ticket.name,
			ticket.status,
			ticket.priority,
			ticket.service_level_agreement,
			Cast(ticket.opening_date, "char"),
			ticket.paused_minutes,
			Cast(ticket.first_responded_on, "char"),
			Cast(ticket.resolution_date, "char"),
			Cast(ticket.response_by, "char"),
			Cast(ticket.resolution_by, "char"),
			ticket.agreement_status,
		)
		.orderby(ticket.name)
		.limit(chunk)
	)
	after = ""
	done = 0
	rules: dict = {}  # (agreement, priority) -> (targets, calendar), looked up once per run
	bounds = opening_bounds()  # an opening outside them is left alone (validate_opening_date)
	while True:
		rows = query.where(condition & (ticket.name > after)).run()
		if not rows:
			return done
		done += _bulk_update([u for row in rows if (u := _recomputed(row, now, steps, rules, bounds))])
		after = rows[-1][0]
		if after_chunk:
			after_chunk(after)
		if len(rows) < chunk:
			return done


def _parse_datetime(value: str | None) -> datetime | None:
	return datetime.fromisoformat(value) if value else None


def _recomputed(
	row: tuple, now: datetime, steps: Steps | None, rules: dict, bounds: tuple[datetime, datetime]
) -> tuple | None:
	"""(name, response_by, resolution_by, agreement_status) of one ticket row as read by
	recompute_open_tickets (datetimes as text), or None to leave it (no times for its priority, no
	service hours, or nothing changed)."""
	(
		name,
		status,
		priority,
		agreement,
		opening,
		paused,
		responded,
		resolved,
		response_by,
		resolution_by,
		previous,
	) = row
	key = (agreement, priority)
	if key not in rules:
		rules[key] = (get_targets(agreement, priority), get_calendar(agreement))
	targets, calendar = rules[key]
	if not targets or not opening:
		return None
	parse = _parse_datetime
	opening, responded, resolved = parse(opening), parse(responded), parse(resolved)
	if not opening_in_bounds(opening, bounds):
		return None  # written around the model with an absurd date: left as it is (a save refuses it)
	stored = (parse(response_by), parse(resolution_by), previous)
	response_by, resolution_by = stored[0], stored[1]
	try:
		d = compute_deadlines(opening, targets, flt(paused), calendar, steps)
	except NoServiceHoursError:
		return None
	if not responded:
		response_by = d.response_by
	if status not in DONE_STATUSES or not resolution_by:  # as apply_sla: a done ticket keeps its deadline
		resolution_by = d.resolution_by
	state = agreement_status(
		status=status,
		now=now,
		response_by=response_by,
		resolution_by=resolution_by,
		first_responded_on=responded,
		resolution_date=resolved,
		previous=previous,
	)
	if (response_by, resolution_by, state) == stored:
		return None  # nothing moved: no write
	return (name, response_by, resolution_by, state)


def _bulk_update(updates: list[tuple]) -> int:
	"""Writes (name, response_by, resolution_by, agreement_status) rows: bulk inserts into a temporary
	table, then one UPDATE … JOIN. Measured on 100k tickets about twice as fast as INSERT … ON DUPLICATE
	KEY UPDATE into the ticket table (which also tries to insert every row, and would bring back a ticket
	deleted since it was read); the cost left is the ticket indexes that hold agreement_status."""
	if not updates:
		return 0
	temp_table_sql(
		"""create temporary table if not exists crm_sla_updates (name varchar(140) primary key,
		response_by datetime(6), resolution_by datetime(6), agreement_status varchar(140))"""
	)
	# raw SQL: the session's temporary table (no DocType) and a multi-row INSERT, then one UPDATE … JOIN
	frappe.db.sql("delete from crm_sla_updates")
	for start in range(0, len(updates), 5000):
		# The VALUES are rendered here, without query parameters: names escaped, datetimes in ISO form.
		# PyMySQL's escaping of four parameters per row cost about a second on 100k tickets.
		values = ", ".join(
			f"({_sql_text(name)}, {_sql_datetime(response_by)}, {_sql_datetime(resolution_by)}, {_sql_text(state)})"
			for name, response_by, resolution_by, state in updates[start : start + 5000]
		)
		frappe.db.sql("insert into crm_sla_updates values " + values)
	frappe.db.sql(
		"""update crm_sla_updates u straight_join `tabTicket` t on t.name = u.name
		set t.response_by = u.response_by, t.resolution_by = u.resolution_by,
			t.agreement_status = u.agreement_status"""
	)
	return len(updates)


def _sql_text(value: str | None) -> str:
	return "null" if value is None else "'" + escape_string(value) + "'"


def _sql_datetime(value: datetime | None) -> str:
	return "null" if value is None else f"'{value.isoformat(sep=' ')}'"


def recompute_agreement(sla: str) -> int:
	"""Background job (queue "long") after an agreement, or a holiday list it uses, changed: its open
	tickets follow, committed chunk by chunk (5,000 tickets, or the site config's
	`sla_recompute_chunk_size`)."""
	chunk = cint(frappe.conf.get("sla_recompute_chunk_size")) or 5000
	return recompute_open_tickets(sla=sla, chunk=chunk, after_chunk=lambda _last: frappe.db.commit())


def recompute_job_id(sla: str) -> str:
	return f"crm-sla-recompute-{sla}"


def enqueue_recompute(slas: list[str]) -> None:
	"""Queues recompute_agreement for these agreements once the current transaction commits (queue
	"long"); an agreement whose job is still waiting in the queue is not queued twice. While its job
	runs (it may have read the old calendar) one follow-up run is queued."""
	from frappe.utils.background_jobs import get_job_status
	from rq.job import JobStatus

	for sla in slas:
		job_id = recompute_job_id(sla)
		if get_job_status(job_id) == JobStatus.STARTED:
			job_id += "-again"
		frappe.enqueue(
			"crm_suite.service.sla.recompute_agreement",
			queue="long",
			sla=sla,
			enqueue_after_commit=True,
			job_id=job_id,
			deduplicate=True,
		)


# --------------------------------------------------------------------------- agreement validation
def validate_agreement(sla) -> None:
	"""Service Level Agreement.validate: hours, priorities, time zone, a single default."""
	import zoneinfo

	from crm_suite.service.business_time import validate_windows

	by_day: dict[int, list] = {}
	for row in sla.service_hours:
		if row.weekday not in WEEKDAYS or not row.start_time or not row.end_time:
			frappe.throw(
				_("Row {0}: service hours need a weekday, a start time and an end time").format(row.idx),
				title=_("Invalid Service Hours"),
			)
		try:
			start, end = _as_time(row.start_time), _as_time(row.end_time)
		except Exception:
			frappe.throw(
				_("Row {0}: {1} – {2} is not a time of day").format(row.idx, row.start_time, row.end_time),
				title=_("Invalid Service Hours"),
			)
		end_minutes = 24 * 60 if end == time(0) else end.hour * 60 + end.minute
		if end_minutes <= start.hour * 60 + start.minute:
			frappe.throw(
				_("Row {0}: service hours on {1} end ({2}) before they start ({3})").format(
					row.idx, _(row.weekday), row.end_time, row.start_time
				),
				title=_("Invalid Service Hours"),
			)
		by_day.setdefault(WEEKDAYS.index(row.weekday), []).append((start, end))
	for weekday, windows in by_day.items():
		try:
			validate_windows(weekday, windows)
		except ValueError:
			frappe.throw(
				_("Service hours on {0} overlap").format(_(WEEKDAYS[weekday])),
				title=_("Invalid Service Hours"),
			)
	if not by_day:
		frappe.throw(_("Add at least one row of service hours"), title=_("Invalid Service Hours"))

	seen = set()
	for row in sla.priorities:
		if row.priority in seen:
			frappe.throw(
				_("Priority {0} is listed twice").format(_(row.priority)), title=_("Duplicate Priority")
			)
		seen.add(row.priority)
		if flt(row.response_time) <= 0 or flt(row.resolution_time) <= 0:
			frappe.throw(
				_("Row {0}: response and resolution times must be greater than zero").format(row.idx),
				title=_("Invalid Times"),
			)
		if flt(row.resolution_time) < flt(row.response_time):
			frappe.throw(
				_("Row {0}: the resolution time cannot be shorter than the response time").format(row.idx),
				title=_("Invalid Times"),
			)

	if sla.time_zone and sla.time_zone not in zoneinfo.available_timezones():
		frappe.throw(_("Unknown time zone {0}").format(sla.time_zone), title=_("Invalid Time Zone"))

	if sla.default_sla and sla.enabled:
		other = frappe.db.get_value(
			"Service Level Agreement", {"default_sla": 1, "enabled": 1, "name": ("!=", sla.name)}
		)
		if other:
			frappe.throw(
				_("{0} is already the default agreement").format(frappe.bold(other)),
				title=_("Duplicate Default"),
			)
