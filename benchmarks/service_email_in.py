"""Benchmark: 1,000 inbound mails in one pull, through a real IMAP server.

Run from the bench's sites folder (Debian's dovecot must be installed; the script starts its own on a
free loopback port, as the user running it):
    ../env/bin/python ../apps/crm_suite/benchmarks/service_email_in.py SITE [N=1000] [LARGE_BYTES=5000000]

The mix of issue 18 (tests/mail_samples.py: per 20 mails ten new threads with Italian and Bosnian
subjects in partial and whole encoded words, Latin-2, Windows-1250 and 8-bit headers, four replies, a
follow-up to a closed ticket, a malformed multipart, a body in a wrong declared charset, an attachment —
a large one every 100 mails —, a duplicate delivery and a mail without sender) is delivered by IMAP
APPEND, then the Email Account's pull runs once as the scheduler runs it (a commit per mail). Every
mail is checked: exactly one communication on the right ticket with every character, or a logged
rejection. Prints the time, mails per second and the load average; deletes everything afterwards.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import frappe  # noqa: E402

from crm_suite.devserver import connect  # noqa: E402
from tests.mail_in_run import cleanup, load_average, pull_batch  # noqa: E402
from tests.mailserver import MailServer  # noqa: E402


def main(site: str, n: int, large: int) -> int:
	connect(site)
	frappe.flags.mute_emails = True  # notifications are queued, never sent to the made-up customers
	tag = f"bench{int(time.time())}"
	account = f"Mail In Run {tag}"
	print(f"load average before: {load_average()}")
	try:
		with MailServer() as server:
			result, batch, seconds, problems, _ = pull_batch(server, n, tag, large_size=large)
			unseen = server.count("UNSEEN", folder=f"Run-{tag}")
		kinds = {k: batch.count(k) for k in ("new", "reply", "follow_up", "duplicate", "rejected")}
		print(f"delivered {len(batch.mails):,} mails: {kinds}")
		print(
			f"one pull: {seconds:.1f} s, {len(batch.mails) / seconds:.1f} mails/s "
			f"(taken {result.taken}, duplicates {result.duplicates}, rejected {result.rejected}, "
			f"skipped {result.skipped}); left unseen on the server: {unseen}"
		)
		print(f"load average after: {load_average()}")
		expected_taken = len(batch.mails) - kinds["duplicate"] - kinds["rejected"]
		ok = not problems and result.taken == expected_taken and unseen == 0
		for problem in problems[:20]:
			print("PROBLEM", problem)
		print("every mail exactly one ticket or communication, or a logged rejection:", "yes" if ok else "NO")
		return 0 if ok else 1
	finally:
		if frappe.db.exists("Email Account", account):
			cleanup(account)
		frappe.destroy()


if __name__ == "__main__":
	args = sys.argv[1:]
	if not args:
		sys.exit(__doc__)
	os.environ.setdefault("PYTHONUNBUFFERED", "1")
	sys.exit(
		main(args[0], int(args[1]) if len(args) > 1 else 1000, int(args[2]) if len(args) > 2 else 5_000_000)
	)
