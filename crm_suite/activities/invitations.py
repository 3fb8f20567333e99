"""Meeting invitations: an email to the customer's contact with an iCalendar (RFC 5545) invitation
attached, `METHOD:REQUEST` (calendar clients offer Accept/Decline and put it in the calendar). The UID is
the activity's, and each invitation raises its SEQUENCE, so a rescheduled meeting re-sent updates the
entry instead of adding one; a cancelled meeting can send `METHOD:CANCEL`.

`build_ics` is pure (text in, text out); `send_invitation` queues the email through Frappe's Email Queue.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import (
	escape_html,
	format_datetime,
	get_datetime,
	get_system_timezone,
	now_datetime,
	strip_html,
)

from crm_suite.activities import rules
from crm_suite.utils.i18n import email_language, in_language


def escape_text(value: str) -> str:
	"""RFC 5545 TEXT: backslash, semicolon, comma escaped; newlines as \\n."""
	return (
		(value or "")
		.replace("\\", "\\\\")
		.replace(";", "\\;")
		.replace(",", "\\,")
		.replace("\r\n", "\\n")
		.replace("\n", "\\n")
		.replace("\r", "\\n")
	)


def fold(line: str) -> str:
	"""Content lines longer than 75 octets are folded (CRLF + one space), never inside a UTF-8 character."""
	out, current = [], b""
	for char in line:
		encoded = char.encode()
		if len(current) + len(encoded) > (75 if not out else 74):
			out.append(current)
			current = b""
		current += encoded
	out.append(current)
	return "\r\n ".join(part.decode() for part in out)


def utc(value: datetime, tz_name: str) -> str:
	return value.replace(tzinfo=ZoneInfo(tz_name)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def build_ics(
	*,
	method: str,
	uid: str,
	sequence: int,
	start: datetime,
	end: datetime,
	all_day: bool,
	summary: str,
	description: str,
	location: str,
	organizer: tuple[str, str],
	attendees: list[tuple[str, str]],
	stamp: datetime,
	tz_name: str,
) -> str:
	"""One VEVENT in a VCALENDAR. Naive datetimes are in `tz_name` (the site's time zone) and written in UTC;
	an all-day event is a DATE from its day to the next."""
	if all_day:
		first: date = start.date()
		times = [f"DTSTART;VALUE=DATE:{first:%Y%m%d}", f"DTEND;VALUE=DATE:{first + timedelta(days=1):%Y%m%d}"]
	else:
		times = [f"DTSTART:{utc(start, tz_name)}", f"DTEND:{utc(end, tz_name)}"]
	org_name, org_email = organizer
	lines = [
		"BEGIN:VCALENDAR",
		"PRODID:-//crm_suite//CRM Activity//EN",
		"VERSION:2.0",
		"CALSCALE:GREGORIAN",
		f"METHOD:{method}",
		"BEGIN:VEVENT",
		f"UID:{uid}",
		f"SEQUENCE:{int(sequence)}",
		f"DTSTAMP:{utc(stamp, tz_name)}",
		*times,
		f"SUMMARY:{escape_text(summary)}",
		f"DESCRIPTION:{escape_text(description)}",
		*([f"LOCATION:{escape_text(location)}"] if location else []),
		f'ORGANIZER;CN="{org_name.replace(chr(34), "")}":mailto:{org_email}',
		*(
			f'ATTENDEE;CN="{name.replace(chr(34), "")}";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{email}'
			for name, email in attendees
		),
		f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}",
		"TRANSP:OPAQUE",
		"END:VEVENT",
		"END:VCALENDAR",
	]
	return "".join(fold(line) + "\r\n" for line in lines)


def invitation_for(doc, method: str = "REQUEST", sequence: int | None = None) -> str:
	"""The .ics text of a meeting activity."""
	organizer = frappe.db.get_value("User", doc.assigned_to, ["full_name", "email"], as_dict=True)
	contact_name = (
		frappe.db.get_value("Contact", doc.contact, "full_name") if doc.contact else None
	) or doc.invitee_email
	host = frappe.local.site or "crm_suite"
	return build_ics(
		method=method,
		uid=f"{doc.name}@{host}",
		sequence=doc.invitation_sequence if sequence is None else sequence,
		start=get_datetime(doc.due_on),
		end=get_datetime(doc.ends_on) if doc.ends_on else get_datetime(doc.due_on) + rules.DEFAULT_LENGTH,
		all_day=bool(doc.all_day),
		summary=doc.subject,
		description=strip_html(doc.note or ""),
		location=doc.location or "",
		organizer=(organizer.full_name or organizer.email, organizer.email),
		attendees=[(contact_name, doc.invitee_email)],
		stamp=now_datetime(),
		tz_name=get_system_timezone(),
	)


def send_invitation(doc, method: str = "REQUEST") -> str:
	"""Queue the invitation (or, `method="CANCEL"`, the cancellation) email; returns the .ics sent."""
	if doc.activity_type != "Meeting":
		frappe.throw(_("Only a meeting sends a calendar invitation."), title=_("Not a Meeting"))
	if not doc.invitee_email:
		frappe.throw(
			_("Give the meeting a contact or an invitee email to invite."), title=_("Nobody to Invite")
		)
	frappe.utils.validate_email_address(doc.invitee_email, throw=True)
	if method == "REQUEST" and doc.status != rules.OPEN:
		frappe.throw(_("Activity {0} is {1}: nothing to invite to.").format(doc.name, _(doc.status)))
	sequence = (doc.invitation_sequence or 0) + 1
	ics = invitation_for(doc, method, sequence)
	# In the invitee's language (their User's or Contact's, else the site's): texts and the date.
	with in_language(email_language(doc.invitee_email)):
		when = (
			format_datetime(doc.due_on, "dd MMM yyyy")
			if doc.all_day
			else format_datetime(doc.due_on, "dd MMM yyyy HH:mm")
		)
		subject = (_("Cancelled: {0} ({1})") if method == "CANCEL" else _("Invitation: {0} ({1})")).format(
			doc.subject, when
		)
		body = [f"<p>{escape_html(subject)}</p>"]
		if doc.location:
			where = _("Where")  # outside the f-string, where gettext extracts it
			body.append(f"<p>{escape_html(where)}: {escape_html(doc.location)}</p>")
		if doc.note:
			body.append(f"<p>{escape_html(strip_html(doc.note))}</p>")
		sender = frappe.db.get_value("User", doc.assigned_to, "email")
		frappe.sendmail(
			recipients=[doc.invitee_email],
			subject=subject,
			message="".join(body),
			reply_to=sender,
			reference_doctype=doc.doctype,
			reference_name=doc.name,
			attachments=[
				{
					"fname": "invite.ics",
					"fcontent": ics,
					# MIMEText(_subtype=...) writes "text/calendar; method=REQUEST; charset=utf-8"
					"content_type": f"text/calendar; method={method}",
				}
			],
		)
	doc.db_set(
		{"invitation_sequence": sequence, "invitation_sent_on": now_datetime()},
		update_modified=False,
	)
	return ics
