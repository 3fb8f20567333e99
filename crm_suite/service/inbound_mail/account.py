"""Email Account with the app's IMAP pull (`override_doctype_class` in hooks.py).

Upstream behaviour this replaces (Frappe 15.44, `EmailAccount.receive` / `get_inbound_mails` and
`EmailServer.get_messages`):

- a pull takes at most 100 mails per folder, all fetched into memory before the first is processed, and
  a mail that fails to parse there (malformed MIME) ends the whole pull with nothing taken in;
- a fetched mail is flagged \\Seen before it is processed, so a pull killed half-way loses the mails
  fetched but not yet stored;
- after each new mail the thread is notified by mail; with no outgoing Email Account that raises
  "Please setup default Email Account", which is logged as an Error Log and an Unhandled Email for every
  mail (the ticket was already committed);
- two pulls of one account at the same time both take in the same new mail (two tickets).

Here each mail is fetched (`BODY.PEEK[]`, which leaves the flags alone), taken in under a savepoint,
committed, and only then flagged \\Seen; a mail that cannot be taken in is rolled back to the savepoint,
kept as an Unhandled Email (Frappe's rejection record, with the traceback) and logged, and the pull goes on.
Only one pull of an account runs at a time (a MariaDB named lock). The thread is notified only when an
outgoing Email Account exists. POP3 accounts keep Frappe's own pull.
"""

from __future__ import annotations

import hashlib
import imaplib
import time

import frappe
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.email.receive import SentEmailInInboxError
from frappe.utils import cint

from crm_suite.service.inbound_mail.mail import SupportInboundMail


class PullResult(frappe._dict):
	"""Counts of one pull: taken (new communications), duplicates (already in), rejected, skipped."""


class SupportEmailAccount(EmailAccount):
	def receive(self, commit: bool = True) -> PullResult | None:
		"""Take in every new mail of every IMAP folder of this account. `commit=False` (tests) keeps
		the whole pull in the caller's transaction, with a savepoint per mail."""
		if not (self.enable_incoming and cint(self.use_imap)):
			return super().receive()
		result = PullResult(taken=0, duplicates=0, rejected=0, skipped=0, more=False)
		if not take_pull_lock(self.name):
			return result  # another pull of this account is running and takes these mails
		try:
			server = self.connect_for_pull()
			if not server:
				return result
			deadline = pull_deadline()
			try:
				for folder in self.imap_folder:
					if result.more:
						break
					if server.select_imap_folder(folder.folder_name):
						server.settings["uid_validity"] = folder.uidvalidity
						pull_folder(self, server, folder, result, commit, deadline)
			finally:
				try:
					server.logout()
				except Exception:
					pass
		finally:
			release_pull_lock(self.name)
		if result.more and commit:
			enqueue_continuation(self.name)
		return result

	def connect_for_pull(self):
		try:
			return self.get_incoming_server(in_receive=True, email_sync_rule=self.build_email_sync_rule())
		except Exception:
			self.log_error(title=frappe._("Error while connecting to email account {0}").format(self.name))
			return None


def pull_deadline() -> float | None:
	"""When this pull stops taking mails, leaving the rest to a continuation job: a minute before the
	worker's job timeout (Frappe's pull runs on the short queue, 300 s), or after
	`crm_mail_pull_seconds` (site config) when set; no limit outside a job."""
	seconds = frappe.conf.get("crm_mail_pull_seconds")
	if seconds is None:
		from rq import get_current_job

		job = get_current_job()
		if job and job.timeout and job.timeout > 0:
			seconds = max(job.timeout - 60, job.timeout / 2)
	return None if seconds is None else time.monotonic() + float(seconds)


CONTINUATION_JOB = "crm-mail-pull-more|{}"


def enqueue_continuation(account: str) -> None:
	"""The rest of a backlog this pull had no time for, at once on the long queue (once per account)."""
	frappe.enqueue(
		"frappe.email.doctype.email_account.email_account.pull_from_email_account",
		queue="long",
		email_account=account,
		job_id=CONTINUATION_JOB.format(account),
		deduplicate=True,
	)


def pull_folder(
	account, server, folder, result: PullResult, commit: bool, deadline: float | None = None
) -> None:
	"""Every new mail of one folder, one at a time (see the module's docstring), until the deadline
	(at least one mail per pull)."""
	uids = server.get_new_mails(f'"{folder.folder_name}"')
	# Frappe selects the folder read-only on the first pull (a UID range, not UNSEEN) and so never
	# flags those mails; an account that syncs UNSEEN mail gets every mail it took in flagged.
	mark_seen = (account.email_sync_option or "UNSEEN") == "UNSEEN"
	if mark_seen and server.settings.email_sync_rule != "UNSEEN":
		server.imap.select(f'"{folder.folder_name}"')
	handled = 0
	for uid in uids:
		if deadline is not None and handled and time.monotonic() >= deadline:
			result.more = True
			return
		handled += 1
		uid = frappe.safe_decode(uid)
		try:
			raw, seen = fetch(server, uid)
		except (imaplib.IMAP4.abort, OSError):
			raise  # the connection is gone: the next pull takes the rest
		except Exception:
			account.log_error(
				title="Mail could not be fetched", message=f"UID {uid}\n{frappe.get_traceback()}"
			)
			result.rejected += 1
			continue
		if raw is None or (account.email_sync_option == "UNSEEN" and seen):
			result.skipped += 1
			continue
		outcome = take_in(account, raw, uid, seen, folder.append_to, commit)
		result[outcome] += 1
		if mark_seen:
			try:
				server.imap.uid("STORE", uid, "+FLAGS", "(\\SEEN)")
			except Exception:
				pass  # taken in already; a later pull finds it by Message-ID


def fetch(server, uid: str) -> tuple[bytes | None, bool]:
	"""The raw mail and whether it was already \\Seen; `BODY.PEEK` leaves its flags as they are."""
	status, response = server.imap.uid("fetch", uid, "(FLAGS BODY.PEEK[])")
	if status != "OK":
		return None, False
	raw, meta = None, b""
	for item in response or []:
		if isinstance(item, tuple):
			meta += item[0]
			raw = item[1]
		elif isinstance(item, bytes):
			meta += item
	flags = imaplib.ParseFlags(meta) if b"FLAGS" in meta else ()
	return raw, b"\\Seen" in flags


def take_in(account, raw: bytes, uid: str, seen, append_to, commit: bool) -> str:
	"""One mail: "taken" (a new Communication, and a Ticket for a new thread), "duplicates" (its
	Message-ID is in already), "skipped" (sent from this account to itself) or "rejected"."""
	savepoint = "crm_mail_in"
	frappe.db.savepoint(savepoint)
	mail = None
	try:
		mail = SupportInboundMail(raw, account, uid, "SEEN" if seen else "UNSEEN", append_to)
		communication = mail.process()
	except SentEmailInInboxError:
		frappe.db.rollback(save_point=savepoint)
		return "skipped"
	except Exception as e:
		if is_interruption(e):
			# not the mail's fault: stop the pull with the mail unseen, the next pull takes it again
			try:
				frappe.db.rollback(save_point=savepoint)
			except Exception:
				pass
			raise
		frappe.db.rollback(save_point=savepoint)
		reject(account, raw, uid, frappe.get_traceback())
		if commit:
			frappe.db.commit()
		return "rejected"
	if commit:
		frappe.db.commit()
	if not mail.flags.is_new_communication:
		return "duplicates"
	notify(account, communication, mail, commit)
	return "taken"


# MariaDB client/server errors that are about the connection or locking, not about the statement (any
# other error, e.g. a value the column refuses, rejects the one mail)
DATABASE_GONE = {1053, 1205, 1213, 1927, 2002, 2003, 2006, 2013, 2055, 4031}


def is_interruption(e: BaseException) -> bool:
	"""A failure of the pull, not of the mail (the worker's job timeout, MariaDB or Redis gone, a
	deadlock or lock wait timeout): rejecting the mail for it would lose a good mail, and every mail
	after it."""
	import pymysql
	import redis
	from rq.timeouts import BaseTimeoutException

	if isinstance(
		e,
		BaseTimeoutException
		| pymysql.err.InterfaceError
		| redis.exceptions.ConnectionError
		| redis.exceptions.TimeoutError
		| frappe.QueryDeadlockError
		| frappe.QueryTimeoutError,
	):
		return True
	if isinstance(e, pymysql.err.OperationalError) and e.args and e.args[0] in DATABASE_GONE:
		return True
	cause = e.__cause__ or e.__context__
	return bool(cause and cause is not e and is_interruption(cause))


def notify(account, communication, mail, commit: bool) -> None:
	"""Frappe's notifications of a new mail (auto reply, the thread's participants), only when an
	outgoing Email Account exists; a failure is logged and the mail stays taken in."""
	if not has_outgoing_account(communication):
		return
	savepoint = "crm_mail_notify"
	frappe.db.savepoint(savepoint)
	try:
		if account.enable_auto_reply:
			account.send_auto_reply(communication, mail)
		communication.send_email(is_inbound_mail_communcation=True)
	except Exception:
		frappe.db.rollback(save_point=savepoint)
		frappe.log_error(
			title="Mail in: notification failed",
			reference_doctype="Communication",
			reference_name=communication.name,
		)
	if commit:
		frappe.db.commit()


def has_outgoing_account(communication) -> bool:
	"""The lookup Frappe's mail queue makes (`QueueBuilder.email_account`), which raises "Please setup
	default Email Account" when it finds none. (The Communication's own lookup would return the
	incoming account it came in on, outgoing or not.)"""
	try:
		return bool(
			EmailAccount.find_outgoing(
				match_by_email=communication.sender, match_by_doctype=communication.reference_doctype
			)
		)
	except frappe.OutgoingEmailError:
		return False


def reject(account, raw: bytes, uid: str, reason: str) -> None:
	"""Frappe's rejection record (Unhandled Email, as its own pull keeps one), once per mail, plus an
	Error Log line."""
	message_id = message_id_of(raw)
	if frappe.db.exists(
		"Unhandled Email", {"email_account": account.name, "uid": uid, "message_id": message_id}
	):
		return
	raw_text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
	frappe.get_doc(
		{
			"doctype": "Unhandled Email",
			"email_account": account.name,
			"uid": uid,
			"message_id": message_id,
			"raw": raw_text,
			"reason": reason,
		}
	).insert(ignore_permissions=True)
	account.log_error(title="Mail in: rejected", message=f"UID {uid}, Message-ID {message_id}\n{reason}")


def message_id_of(raw: bytes) -> str:
	from email.parser import BytesParser

	try:
		return str(BytesParser().parsebytes(raw, headersonly=True).get("Message-ID") or "").strip()[:140]
	except Exception:
		return ""


def lock_name(account: str) -> str:
	return "crm-mail-pull-" + hashlib.sha1(account.encode()).hexdigest()[:32]


def take_pull_lock(account: str) -> bool:
	# raw SQL: MariaDB's named locks (GET_LOCK / RELEASE_LOCK) are functions without a table
	return bool(frappe.db.sql("select get_lock(%s, 0)", lock_name(account))[0][0])


def release_pull_lock(account: str) -> None:
	frappe.db.sql("select release_lock(%s)", lock_name(account))
