"""Scheduled jobs of the service desk: SLA breaches and escalation (every 5 minutes), auto-close (daily).
Candidates are selected set-based; every ticket is handled in its own transaction so one failure lands
in the Error Log and the others go on. Both jobs are idempotent."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import add_days, add_to_date, cint

from crm_suite.service.settings import support_setting
from crm_suite.service.sla import current_time, refresh_agreement_status

RUNNING = ("Open", "In Progress", "Waiting on Customer")


def check_sla() -> dict:
	"""Every few minutes: mark breaches Failed (one UPDATE), then escalate once every running ticket that
	breached, or (Support Settings "At Risk Minutes" > 0) whose next deadline is that close."""
	now = current_time()
	failed = refresh_agreement_status(now)
	frappe.db.commit()
	ticket = frappe.qb.DocType("Ticket")
	candidates = (ticket.agreement_status == "Failed") & ticket.status.isin(RUNNING)
	at_risk = cint(support_setting("at_risk_minutes"))
	if at_risk > 0:
		soon = add_to_date(now, minutes=at_risk)
		candidates = candidates | (
			ticket.agreement_status.isin(["First Response Due", "Resolution Due"])
			& ticket.status.isin(["Open", "In Progress"])
			& (
				(ticket.first_responded_on.isnull() & (ticket.response_by < soon))
				| (ticket.resolution_by < soon)
			)
		)
	rows = (
		frappe.qb.from_(ticket)
		.select(ticket.name, ticket.agreement_status)
		.where(ticket.escalated_on.isnull())
		.where(candidates)
		.orderby(ticket.resolution_by)
		.run()
	)
	escalated = 0
	for name, status in rows:
		try:
			if escalate(name, at_risk=status != "Failed"):
				escalated += 1
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			frappe.log_error(
				title=_("SLA escalation failed for {0}").format(name),
				reference_doctype="Ticket",
				reference_name=name,
			)
	return {"failed": failed, "escalated": escalated}


def pick_manager() -> str | None:
	"""Support Settings' manager, else the enabled Support Manager with the fewest escalated open tickets."""
	chosen = support_setting("escalation_manager")
	if chosen and frappe.db.get_value("User", chosen, "enabled"):
		return chosen
	rows = frappe.db.sql(
		"""select u.name
		from `tabUser` u
		join `tabHas Role` r on r.parent = u.name and r.parenttype = 'User' and r.role = 'Support Manager'
		left join `tabTicket` t on t.escalated_to = u.name and t.status in ('Open', 'In Progress', 'Waiting on Customer')
		where u.enabled = 1 and u.user_type = 'System User' and u.name not in ('Administrator', 'Guest')
		group by u.name
		order by count(t.name), u.name
		limit 1"""
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
	assign_to.add(
		{
			"assign_to": [manager],
			"doctype": "Ticket",
			"name": name,
			"description": (_("SLA at risk: {0}") if at_risk else _("SLA breached: {0}")).format(row.subject),
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


def auto_close_resolved() -> dict:
	"""Daily: close tickets resolved for more than N days (Support Settings; 0 switches it off)."""
	days = cint(support_setting("auto_close_after_days"))
	if days <= 0:
		return {"closed": 0}
	names = frappe.get_all(
		"Ticket",
		filters={"status": "Resolved", "resolution_date": ("<", add_days(current_time(), -days))},
		pluck="name",
		order_by="resolution_date asc",
	)
	closed = 0
	for name in names:
		try:
			ticket = frappe.get_doc("Ticket", name)
			if ticket.status != "Resolved":
				continue
			ticket.status = "Closed"
			ticket.flags.system_transition = True
			ticket.save(ignore_permissions=True)
			ticket.add_comment("Info", _("Closed automatically {0} days after it was resolved").format(days))
			frappe.db.commit()
			closed += 1
		except Exception:
			frappe.db.rollback()
			frappe.log_error(
				title=_("Auto-close failed for {0}").format(name),
				reference_doctype="Ticket",
				reference_name=name,
			)
	return {"closed": closed}
