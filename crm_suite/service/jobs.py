"""Scheduled jobs of the service desk: SLA breaches and escalation (every 5 minutes), auto-close (daily).

The scheduled entry points (`check_sla`, `auto_close_resolved`) work on every ticket; the functions doing
the work (`check_tickets`, `close_resolved_tickets`) take an optional list of ticket names, so callers
(and tests) can limit them to their own tickets. Candidates are selected set-based; every ticket is
handled on its own (`each_ticket`): a failure is undone to a savepoint taken before that ticket, lands
in the Error Log and the others go on. With `commit=True` (the scheduled jobs) every ticket is committed
on its own; with `commit=False` the caller's transaction is kept (tests run the real work in their
rolled-back transaction). Both jobs are idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.query_builder.functions import Count
from frappe.utils import add_days, add_to_date, cint

from crm_suite.service.settings import support_setting
from crm_suite.service.sla import current_time, refresh_agreement_status
from crm_suite.utils.i18n import in_language, user_language

RUNNING = ("Open", "In Progress", "Waiting on Customer")
DUE = ("First Response Due", "Resolution Due")
SAVEPOINT = "crm_service_ticket"


# --------------------------------------------------------------------------- scheduled entry points
def check_sla() -> dict:
	"""Every 5 minutes (hooks.scheduler_events): breaches and escalation over all tickets."""
	return check_tickets()


def auto_close_resolved() -> dict:
	"""Daily (hooks.scheduler_events): close tickets resolved for more than N days, all tickets."""
	return close_resolved_tickets()


# --------------------------------------------------------------------------- the work
def check_tickets(names: list[str] | None = None, now: datetime | None = None, commit: bool = True) -> dict:
	"""Mark breaches Failed (one UPDATE), then escalate once every running ticket that breached, or
	(Support Settings "Escalate Minutes Before a Deadline" > 0) whose next deadline is that close.
	`names` limits both steps to these tickets; None means every ticket."""
	if names is not None and not names:
		return {"failed": 0, "escalated": 0}
	now = now or current_time()
	failed = refresh_agreement_status(now, names=names)
	if commit:
		frappe.db.commit()
	at_risk = cint(support_setting("at_risk_minutes"))
	states = dict(escalation_candidates(now, at_risk, names).run())
	escalated = each_ticket(
		list(states),
		lambda name: escalate(name, at_risk=states[name] != "Failed"),
		_("SLA escalation failed for {0}"),
		commit,
	)
	return {"failed": failed, "escalated": escalated}


def escalation_candidates(now: datetime, at_risk_minutes: int = 0, names: list[str] | None = None):
	"""The query (frappe.qb) of running, not yet escalated tickets that breached or, with at-risk
	minutes > 0, are that close to their next deadline: (name, agreement_status), soonest first.
	The top-level status / agreement_status conditions let it use the (status, agreement_status) index."""
	ticket = frappe.qb.DocType("Ticket")
	candidates = ticket.agreement_status == "Failed"
	states = ["Failed"]
	if at_risk_minutes > 0:
		soon = add_to_date(now, minutes=at_risk_minutes)
		states += DUE
		candidates = candidates | (
			ticket.agreement_status.isin(DUE)
			& ticket.status.isin(["Open", "In Progress"])
			& (
				(ticket.first_responded_on.isnull() & (ticket.response_by < soon))
				| (ticket.resolution_by < soon)
			)
		)
	query = (
		frappe.qb.from_(ticket)
		.select(ticket.name, ticket.agreement_status)
		.where(ticket.status.isin(RUNNING))
		.where(ticket.agreement_status.isin(states))
		.where(ticket.escalated_on.isnull())
		.where(candidates)
		.orderby(ticket.resolution_by)
	)
	return query.where(ticket.name.isin(names)) if names else query


def each_ticket(names: list[str], work: Callable[[str], bool], error_title: str, commit: bool) -> int:
	"""Runs work(name) for every ticket on its own; returns how many returned True. A failure undoes
	that ticket's writes only (savepoint) and goes to the Error Log (title: error_title with the name)."""
	done = 0
	for name in names:
		frappe.db.savepoint(SAVEPOINT)
		try:
			if work(name):
				done += 1
		except Exception:
			try:
				frappe.db.rollback(save_point=SAVEPOINT)
			except Exception:  # the server rolled the whole transaction back (a deadlock)
				frappe.db.rollback()
			frappe.log_error(title=error_title.format(name), reference_doctype="Ticket", reference_name=name)
		if commit:
			frappe.db.commit()
	return done


def pick_manager() -> str | None:
	"""Support Settings' manager, else the enabled Support Manager with the fewest escalated open tickets."""
	chosen = support_setting("escalation_manager")
	if chosen and frappe.db.get_value("User", chosen, "enabled"):
		return chosen
	user, role, ticket = frappe.qb.DocType("User"), frappe.qb.DocType("Has Role"), frappe.qb.DocType("Ticket")
	rows = (
		frappe.qb.from_(user)
		.join(role)
		.on((role.parent == user.name) & (role.parenttype == "User") & (role.role == "Support Manager"))
		.left_join(ticket)
		.on(
			(ticket.escalated_to == user.name)
			& ticket.status.isin(["Open", "In Progress", "Waiting on Customer"])
		)
		.select(user.name)
		.where(
			(user.enabled == 1)
			& (user.user_type == "System User")
			& user.name.notin(["Administrator", "Guest"])
		)
		.groupby(user.name)
		.orderby(Count(ticket.name))
		.orderby(user.name)
		.limit(1)
		.run()
	)
	return rows[0][0] if rows else None


def escalate(name: str, at_risk: bool = False) -> bool:
	"""Assign a Support Manager, notify them and log it on the ticket. Does nothing twice."""
	row = frappe.db.get_value(
		"Ticket", name, ["escalated_on", "agreement_status", "subject"], as_dict=True, for_update=True
	)
	if not row or row.escalated_on or (row.agreement_status != "Failed" and not at_risk):
		return False
	manager = pick_manager()
	if not manager:
		raise frappe.ValidationError(_("No enabled Support Manager to escalate ticket {0} to").format(name))
	# The assignment, the notification and the mails Frappe sends for them are in the manager's language.
	with in_language(user_language(manager)):
		assign_to.add(
			{
				"assign_to": [manager],
				"doctype": "Ticket",
				"name": name,
				"description": (_("SLA at risk: {0}") if at_risk else _("SLA breached: {0}")).format(
					row.subject
				),
				"priority": "High",
			},
			ignore_permissions=True,
		)
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": manager,
				"type": "Alert",
				"document_type": "Ticket",
				"document_name": name,
				"subject": (
					_("Ticket {0} is about to breach its service level agreement")
					if at_risk
					else _("Ticket {0} breached its service level agreement")
				).format(name),
				"email_content": row.subject,
			}
		).insert(ignore_permissions=True)
	frappe.db.set_value(
		"Ticket", name, {"escalated_on": current_time(), "escalated_to": manager}, update_modified=False
	)
	frappe.get_doc("Ticket", name).add_comment(
		"Info",
		(
			_("Service level agreement at risk: escalated to {0}")
			if at_risk
			else _("Service level agreement breached: escalated to {0}")
		).format(manager),
	)
	return True


def auto_close_candidates(resolved_before: datetime, names: list[str] | None = None):
	"""The query (frappe.qb) of Resolved tickets resolved before that time, oldest first."""
	ticket = frappe.qb.DocType("Ticket")
	query = (
		frappe.qb.from_(ticket)
		.select(ticket.name)
		.where(ticket.status == "Resolved")
		.where(ticket.resolution_date < resolved_before)
		.orderby(ticket.resolution_date)
	)
	return query.where(ticket.name.isin(names)) if names else query


def close_resolved_tickets(names: list[str] | None = None, commit: bool = True) -> dict:
	"""Close tickets resolved for more than N days (Support Settings; 0 switches it off); `names`
	limits it to these tickets, None means every ticket."""
	days = cint(support_setting("auto_close_after_days"))
	if days <= 0 or (names is not None and not names):
		return {"closed": 0}
	candidates = auto_close_candidates(add_days(current_time(), -days), names).run(pluck=True)

	def close(name: str) -> bool:
		ticket = frappe.get_doc("Ticket", name)
		if ticket.status != "Resolved":
			return False
		ticket.status = "Closed"
		ticket.flags.system_transition = True
		ticket.save(ignore_permissions=True)
		ticket.add_comment("Info", _("Closed automatically {0} days after it was resolved").format(days))
		return True

	return {"closed": each_ticket(candidates, close, _("Auto-close failed for {0}"), commit)}
