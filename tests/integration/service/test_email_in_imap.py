"""Mail in through a real mail server: Debian's dovecot on loopback (tests/mailserver.py), an Email Account
on it with IMAP and Append To: Ticket, mails delivered by IMAP APPEND, and the account's own pull
(`EmailAccount.receive`, the app's `SupportEmailAccount`). Each test has its own IMAP folder and account;
the pull runs with `commit=False` inside the test's transaction (a savepoint per mail), except where a
test needs commits and deletes what it made."""

import frappe
import pytest

from tests.integration.factories import unique
from tests.integration.service.conftest import clear_email_account_cache
from tests.integration.service.helpers import make_agent, make_sla
from tests.mail_in_run import cleanup, imap_account, make_account, pull_batch
from tests.mail_samples import (
	PDF,
	attachment_mail,
	html_mail,
	malformed_multipart,
	no_sender_mail,
	text_mail,
)
from tests.mailserver import MailServer

ITALIAN = "Stampante non funziona più"
BOSNIAN = "Račun nije tačan"


@pytest.fixture(scope="module")
def mailserver():
	with MailServer() as server:
		yield server


@pytest.fixture
def account(mailserver):
	folder = unique("Support-")
	email_id = f"{unique('support-')}@example.com"
	account = imap_account(mailserver, folder, unique("Support IMAP "), email_id, use_ssl=0, use_starttls=0)
	account.folder = folder
	yield account
	# attachments are files on disk, which the rollback leaves behind
	communications = frappe.get_all("Communication", {"email_account": account.name}, pluck="name")
	if communications:
		for name in frappe.get_all(
			"File",
			{"attached_to_doctype": "Communication", "attached_to_name": ("in", communications)},
			pluck="name",
		):
			frappe.delete_doc("File", name, ignore_permissions=True, force=True)


def deliver(mailserver, account, *mails):
	mailserver.deliver(*mails, folder=account.folder)


def pull(account, commit=False):
	return frappe.get_doc("Email Account", account.name).receive(commit=commit)


def mid() -> str:
	return f"{unique()}@mail.example.com"


def ticket_of(message_id: str):
	name = frappe.db.get_value(
		"Communication", {"message_id": message_id}, ["reference_doctype", "reference_name"], as_dict=True
	)
	assert name and name.reference_doctype == "Ticket", f"no ticket for {message_id}"
	return frappe.get_doc("Ticket", name.reference_name)


def communication_of(message_id: str):
	return frappe.get_doc("Communication", {"message_id": message_id})


def test_a_pull_makes_tickets_threads_replies_and_keeps_every_character(mailserver, account):
	make_sla(default=True)
	to = account.email_id
	customer = f"{unique('cust-')}@example.com"
	other = f"{unique('cust-')}@example.com"
	ids = {
		k: mid()
		for k in (
			"it",
			"it_re",
			"bs",
			"cp",
			"offer_re",
			"broken",
			"pdf",
			"empty",
			"wrong",
			"dup",
			"big",
			"html",
		)
	}
	mails = [
		# only the accented word encoded, a sender name encoded the same way
		text_mail(
			customer,
			to,
			b"Stampante non funziona =?utf-8?q?pi=C3=B9?=",
			"La stampante non funziona più, perché?",
			ids["it"],
			name=b"Lejla =?utf-8?q?Hod=C5=BEi=C4=87?=",
		),
		text_mail(
			customer,
			to,
			b"Re: Stampante non funziona =?utf-8?q?pi=C3=B9?=",
			"Ancora niente, però grazie.",
			ids["it_re"],
			in_reply_to=ids["it"],
		),
		# a whole encoded Latin-2 subject, a Latin-2 body
		text_mail(
			other,
			to,
			b"=?ISO-8859-2?Q?Ra=E8un_nije_ta=E8an?=",
			"Račun broj 5 nije tačan. Đurđa Šišić",
			ids["bs"],
			charset="iso-8859-2",
		),
		# Windows-1250 body, a raw 8-bit subject in the same charset
		text_mail(
			other,
			to,
			"Žalba: dostava kasni".encode("windows-1250"),
			"Čekam već dvije sedmice. Ćao, Žana",
			ids["cp"],
			charset="windows-1250",
		),
		# a reply to the suite's own campaign mail, as Frappe encodes subjects
		text_mail(
			other, to, b"Re: Offerta per Lejla =?utf-8?q?Hod=C5=BEi=C4=87?=", "Sì, grazie!", ids["offer_re"]
		),
		malformed_multipart(other, to, "Broken MIME", "Il testo c'è ancora.", ids["broken"]),
		attachment_mail(other, to, "Fattura allegata", "Vedi allegato.", ids["pdf"], "Račun più.pdf", PDF),
		text_mail(other, to, None, "No subject at all", ids["empty"]),
		# Windows-1250 bytes labelled UTF-8 (Frappe dropped the letters)
		text_mail(
			other,
			to,
			"Pogrešan charset",
			"Račun nije tačan",
			ids["wrong"],
			charset="windows-1250",
			declared="utf-8",
		),
		text_mail(other, to, "Dvaput", "Isti mail dvaput", ids["dup"]),
		text_mail(other, to, "Dvaput", "Isti mail dvaput", ids["dup"]),  # the same delivery again
		html_mail(other, to, "HTML", "Šaljem račun, Đurđa", ids["html"]),
		# over the site's maximum file size (lowered below): kept as a ticket, the file named in a comment
		attachment_mail(other, to, "Prevelik prilog", "Vidi prilog.", ids["big"], "Zu veliko.pdf", PDF * 40),
	]
	deliver(mailserver, account, *mails)

	limit, frappe.local.conf.max_file_size = frappe.local.conf.get("max_file_size"), len(PDF) * 10
	try:
		result = pull(account)
	finally:
		frappe.local.conf.max_file_size = limit
	assert (result.taken, result.duplicates, result.rejected) == (12, 1, 0)

	first = ticket_of(ids["it"])
	assert (first.subject, first.raised_by, first.status) == (ITALIAN, customer, "Open")
	assert communication_of(ids["it"]).sender_full_name == "Lejla Hodžić"
	assert "più, perché?" in communication_of(ids["it"]).content
	reply = communication_of(ids["it_re"])
	assert (reply.reference_name, reply.subject) == (first.name, f"Re: {ITALIAN}")
	assert "però" in reply.content

	assert ticket_of(ids["bs"]).subject == BOSNIAN
	assert "Đurđa Šišić" in communication_of(ids["bs"]).content
	assert ticket_of(ids["cp"]).subject == "Žalba: dostava kasni"
	assert "Čekam već dvije sedmice. Ćao, Žana" in communication_of(ids["cp"]).content
	assert ticket_of(ids["offer_re"]).subject == "Re: Offerta per Lejla Hodžić"
	assert "c'è ancora" in communication_of(ids["broken"]).content
	assert ticket_of(ids["empty"]).subject == "No Subject"
	assert "Račun nije tačan" in communication_of(ids["wrong"]).content

	assert "<p>Šaljem račun, Đurđa</p>" in communication_of(ids["html"]).content
	pdf = communication_of(ids["pdf"])
	files = frappe.get_all(
		"File", {"attached_to_doctype": "Communication", "attached_to_name": pdf.name}, ["name", "file_name"]
	)
	assert [f.file_name for f in files] == ["Račun più.pdf"]
	assert frappe.get_doc("File", files[0].name).get_content().encode() == PDF

	big = ticket_of(ids["big"])
	assert not frappe.db.exists(
		"File",
		{"attached_to_doctype": "Communication", "attached_to_name": communication_of(ids["big"]).name},
	)
	assert frappe.db.exists(
		"Comment", {"reference_name": big.name, "content": ("like", "%Zu veliko.pdf%not kept%")}
	)

	assert frappe.db.count("Communication", {"message_id": ids["dup"]}) == 1
	assert frappe.db.count("Ticket", {"subject": "Dvaput", "raised_by": other}) == 1

	# every mail taken in is flagged \Seen on the server; the next pull finds nothing new
	assert mailserver.count("UNSEEN", folder=account.folder) == 0
	again = pull(account)
	assert (again.taken, again.duplicates, again.rejected) == (0, 0, 0)


def test_a_reply_found_by_subject_joins_the_ticket_of_its_whole_subject(mailserver, account):
	"""Two threads of one customer whose subjects differ only in the encoded word; a reply whose mailer
	dropped In-Reply-To is matched by "Re: subject" and sender. With the subject cut at the first encoded
	word (Frappe 15) both tickets were "Stampante non funziona" and the reply could join either."""
	make_sla(default=True)
	customer, first, second, reply = f"{unique('cust-')}@example.com", mid(), mid(), mid()
	to = account.email_id
	deliver(
		mailserver,
		account,
		text_mail(customer, to, b"Stampante non funziona =?utf-8?q?pi=C3=B9?=", "a", first),
		text_mail(customer, to, b"Stampante non funziona =?utf-8?q?bene_gi=C3=B9?=", "b", second),
		text_mail(customer, to, b"Re: Stampante non funziona =?utf-8?q?bene_gi=C3=B9?=", "c", reply),
	)
	assert pull(account).taken == 3
	assert ticket_of(first).subject == ITALIAN
	assert ticket_of(second).subject == "Stampante non funziona bene giù"
	assert ticket_of(reply).name == ticket_of(second).name


def test_a_reply_to_a_closed_ticket_becomes_a_follow_up(mailserver, account):
	make_sla(default=True)
	customer = f"{unique('cust-')}@example.com"
	first_id, reply_id = mid(), mid()
	deliver(mailserver, account, text_mail(customer, account.email_id, BOSNIAN, "Prvi put", first_id))
	pull(account)
	ticket = ticket_of(first_id)
	for status in ("Resolved", "Closed"):
		ticket.status = status
		ticket.save()

	deliver(
		mailserver,
		account,
		text_mail(customer, account.email_id, f"Re: {BOSNIAN}", "Opet isto", reply_id, in_reply_to=first_id),
	)
	assert pull(account).taken == 1
	follow_up = ticket_of(reply_id)
	assert follow_up.name != ticket.name
	assert (follow_up.subject, follow_up.raised_by, follow_up.status) == (f"Re: {BOSNIAN}", customer, "Open")
	assert frappe.db.get_value("Ticket", ticket.name, "status") == "Closed"


def test_a_mail_that_cannot_be_taken_in_is_rejected_and_the_pull_goes_on(mailserver, account):
	make_sla(default=True)
	to = account.email_id
	before, bad, after = mid(), mid(), mid()
	deliver(
		mailserver,
		account,
		text_mail(f"{unique()}@example.com", to, "Before", "x", before),
		no_sender_mail(to, "Nobody", bad),
		text_mail(f"{unique()}@example.com", to, "After", "y", after),
	)
	errors_before = frappe.db.count("Error Log")
	try:
		result = pull(account)
		assert (result.taken, result.rejected) == (2, 1)
		assert ticket_of(before).subject == "Before" and ticket_of(after).subject == "After"
		assert not frappe.db.exists("Communication", {"message_id": bad})
		rejection = frappe.get_doc("Unhandled Email", {"email_account": account.name})
		assert rejection.message_id == f"<{bad}>"
		assert "The mail has no sender" in rejection.reason
		assert frappe.db.count("Error Log") == errors_before + 1
		# a later pull does not take it in or log it again
		again = pull(account)
		assert (again.taken, again.rejected) == (0, 0)
		assert frappe.db.count("Unhandled Email", {"email_account": account.name}) == 1
	finally:
		delete_new_error_logs(errors_before)


def test_without_an_outgoing_account_mail_still_becomes_tickets_without_errors(mailserver, account):
	"""Frappe's pull notified the thread after each mail, and Frappe e-mailed the round robin's
	assignee; both logged "Please setup default Email Account" for every mail (the first also an
	Unhandled Email)."""
	make_sla(default=True)
	agent = make_agent()  # the round robin assigns each new ticket, which notifies the agent
	only_agent_in_round_robin(agent.name)
	frappe.db.set_value("Email Account", {"enable_outgoing": 1}, "enable_outgoing", 0)
	frappe.flags.mute_emails = False  # the conftest puts it back; muted, Frappe invents a dummy account
	clear_email_account_cache()
	ids = [mid() for _ in range(3)]
	deliver(
		mailserver,
		account,
		*(
			text_mail(f"{unique()}@example.com", account.email_id, f"Hilfe {i}", "x", m)
			for i, m in enumerate(ids)
		),
	)
	errors_before = frappe.db.count("Error Log")
	try:
		result = pull(account)
		assert (result.taken, result.rejected) == (3, 0)
		assert {ticket_of(m).get("_assign") for m in ids} == {f'["{agent.name}"]'}
		assert frappe.db.count("Error Log") == errors_before
		# the agent still gets the in-app notification of each assignment
		assert frappe.db.count("Notification Log", {"for_user": agent.name, "type": "Assignment"}) == 3
		assert not frappe.db.exists("Unhandled Email", {"email_account": account.name})
	finally:
		delete_new_error_logs(errors_before)


def only_agent_in_round_robin(user: str) -> None:
	"""The ticket round robin holds every Support Agent of the site (a set-up site has Frappe's own test
	user among them): in this test's transaction it holds only `user`."""
	from crm_suite.service.routing import RULE

	rule = frappe.get_doc("Assignment Rule", RULE)
	rule.set("users", [{"user": user}])
	rule.last_user = None
	rule.save()


def delete_new_error_logs(count_before: int) -> None:
	"""Error Log is a MyISAM table: it survives the rollback, and a delete needs no commit (which would
	commit the test's own records too). The newest entries beyond the count before the test go."""
	extra = frappe.db.count("Error Log") - count_before
	if extra > 0:
		names = frappe.get_all("Error Log", order_by="creation desc", limit=extra, pluck="name")
		frappe.db.delete("Error Log", {"name": ("in", names)})


def test_one_committed_pull_of_the_mixed_batch_takes_each_mail_exactly_once(mailserver, committed):
	"""Issue 18's mix (benchmarks/service_email_in.py runs it with 1,000 mails) at 20, every kind once: new threads,
	replies, follow-ups to closed tickets, malformed MIME, a wrong charset, a large attachment, a
	duplicate delivery and a mail without sender, pulled as the scheduler does (a commit per mail)."""
	tag = unique("t")
	errors_before = frappe.db.count("Error Log")
	result = account = None
	try:
		result, batch, _, problems, account = pull_batch(
			mailserver, 20, tag, large_size=300_000, large_every=20
		)
		assert problems == []
		assert result.taken == len(batch.mails) - batch.count("duplicate") - batch.count("rejected")
		assert (result.duplicates, result.rejected) == (batch.count("duplicate"), batch.count("rejected"))
		assert mailserver.count("UNSEEN", folder=f"Run-{tag}") == 0
		# the only errors logged are the rejections
		assert frappe.db.count("Error Log") == errors_before + batch.count("rejected")
	finally:
		if frappe.db.exists("Email Account", f"Mail In Run {tag}"):
			cleanup(f"Mail In Run {tag}")
		delete_new_error_logs(errors_before)


def test_two_pulls_at_once_take_each_mail_once(mailserver, committed):
	"""Two workers pulling the same account at the same moment: every mail one communication, one
	ticket (the second pull waits for nothing: the account's pull lock tells it the first has them)."""
	import threading

	tag = unique("c")
	folder = f"Run-{tag}"
	account = make_account(mailserver, folder, tag)
	site = frappe.local.site
	try:
		ids = [f"{tag}-{i}@mail.example.com" for i in range(20)]
		mailserver.deliver(
			*(
				text_mail(f"{tag}-{i}@example.com", account.email_id, f"Q {i}", "?", m)
				for i, m in enumerate(ids)
			),
			folder=folder,
		)
		results, errors = [], []
		start = threading.Barrier(2)

		def worker():
			frappe.init(site=site, sites_path=".")
			frappe.connect()
			frappe.flags.mute_emails = True
			try:
				start.wait()
				results.append(frappe.get_doc("Email Account", account.name).receive(commit=True))
			except Exception as e:
				errors.append(e)
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=worker) for _ in range(2)]
		for t in threads:
			t.start()
		for t in threads:
			t.join(120)
		assert errors == []
		assert sorted(r.taken for r in results) == [0, 20]
		frappe.db.rollback()
		counts = frappe.db.sql(
			"select message_id, count(*) from `tabCommunication` where email_account = %s group by message_id",
			account.name,
		)
		assert sorted(m for m, _ in counts) == sorted(ids) and {c for _, c in counts} == {1}
		assert frappe.db.count("Ticket", {"raised_by": ("like", f"{tag}-%")}) == 20
	finally:
		cleanup(account.name)


def test_a_pull_killed_half_way_is_finished_by_the_next_without_doubles(mailserver, committed):
	"""The worker running a pull is SIGKILLed half-way: what it committed stays, the mail in hand is
	rolled back (MariaDB drops the dead connection's transaction and pull lock), and the next pull
	takes the rest; every mail ends up exactly once."""
	import signal
	import subprocess
	import sys
	import time

	tag = unique("k")
	folder = f"Run-{tag}"
	account = make_account(mailserver, folder, tag)
	n = 30
	ids = [f"{tag}-{i}@mail.example.com" for i in range(n)]
	try:
		mailserver.deliver(
			*(
				text_mail(f"{tag}-{i}@example.com", account.email_id, f"K {i}", "?", m)
				for i, m in enumerate(ids)
			),
			folder=folder,
		)
		site, name = frappe.local.site, account.name
		code = (
			f"import frappe; frappe.init(site={site!r}, sites_path='.'); frappe.connect(); "
			f"frappe.flags.mute_emails = True; frappe.get_doc('Email Account', {name!r}).receive()"
		)
		worker = subprocess.Popen(
			[sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
		)
		taken = 0
		deadline = time.monotonic() + 120
		while time.monotonic() < deadline and worker.poll() is None:
			frappe.db.rollback()
			taken = frappe.db.count("Communication", {"email_account": account.name})
			if taken >= 5:
				break
			time.sleep(0.05)
		assert worker.poll() is None, f"the pull ended before it could be killed: {worker.stderr.read()}"
		worker.send_signal(signal.SIGKILL)
		worker.wait(10)
		frappe.db.rollback()
		taken = frappe.db.count("Communication", {"email_account": account.name})
		assert 5 <= taken < n

		# the dead connection's lock is released by MariaDB; the next pull takes the rest
		for _ in range(50):
			result = frappe.get_doc("Email Account", account.name).receive(commit=True)
			if result.taken or result.duplicates:
				break
			time.sleep(0.2)  # the server has not yet noticed the dead connection
		assert result.taken == n - taken and result.duplicates <= 1
		frappe.db.rollback()
		counts = frappe.db.sql(
			"select message_id, count(*) from `tabCommunication` where email_account = %s group by message_id",
			account.name,
		)
		assert sorted(m for m, _ in counts) == sorted(ids) and {c for _, c in counts} == {1}
		assert frappe.db.count("Ticket", {"raised_by": ("like", f"{tag}-%")}) == n
		assert mailserver.count("UNSEEN", folder=folder) == 0
	finally:
		cleanup(account.name)


def test_a_backlog_larger_than_one_job_continues_in_a_queued_job(mailserver, committed):
	"""A pull stops taking mails a minute before its worker's job timeout (here: after
	`crm_mail_pull_seconds` = 0, one mail) and queues the rest at once on the long queue (real Redis),
	once per account; that job's pull takes the rest."""
	from frappe.utils.background_jobs import get_job

	from crm_suite.service.inbound_mail.account import CONTINUATION_JOB

	tag = unique("b")
	folder = f"Run-{tag}"
	account = make_account(mailserver, folder, tag)
	ids = [f"{tag}-{i}@mail.example.com" for i in range(5)]
	job_id = CONTINUATION_JOB.format(account.name)
	try:
		mailserver.deliver(
			*(
				text_mail(f"{tag}-{i}@example.com", account.email_id, f"B {i}", "?", m)
				for i, m in enumerate(ids)
			),
			folder=folder,
		)
		frappe.local.conf.crm_mail_pull_seconds = 0
		try:
			first = frappe.get_doc("Email Account", account.name).receive(commit=True)
		finally:
			del frappe.local.conf["crm_mail_pull_seconds"]
		assert (first.taken, first.more) == (1, True)
		job = get_job(job_id)
		assert job and job.get_status() == "queued"
		assert job.kwargs["kwargs"] == {"email_account": account.name}
		assert mailserver.count("UNSEEN", folder=folder) == 4

		# what the queued job runs
		job.cancel()
		job.delete()
		from frappe.email.doctype.email_account.email_account import pull_from_email_account

		pull_from_email_account(account.name)
		frappe.db.rollback()
		assert frappe.db.count("Communication", {"email_account": account.name}) == 5
		assert mailserver.count("UNSEEN", folder=folder) == 0
		assert get_job(job_id) is None  # all taken: nothing queued again
	finally:
		if job := get_job(job_id):
			job.delete()
		cleanup(account.name)
