"""REST load: N concurrent clients for T seconds against real gunicorn workers, on the issue's mix.

The mix (weights): lead creates (REST, a Sales Manager) 30, ticket creates (REST, a Support Agent) 15,
opportunity edits (REST PUT) 15, list reads (lead and ticket lists) 20, web-to-lead posts (Guest) 8, call
events (PBX webhook with its token) 7, portal replies (a customer's contact) 5. Every create carries a
unique marker (the lead's email, the ticket's subject, the call event id, the reply's text), so afterwards
the script counts, for every request, how many records it stored: an answered (200) create must have
stored exactly one, a refused one none. It prints the 5xx count, those counts, p50/p99 per operation and
overall, the throughput and the load average, then deletes everything it made.

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/rest_load.py --site SITE \
		[--clients 8] [--seconds 300] [--workers 2]

The round robins stay on (a Sales User and a Support Agent are created, so both rules have a user), the
workflows stay on. Web-to-lead's rate limit is raised for the run and put back afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict

from crm_suite.devserver import bench_folder, connect, delete_traces, serve

MIX = {
	"lead": 30,
	"ticket": 15,
	"opportunity_edit": 15,
	"list": 20,
	"web_lead": 8,
	"call_event": 7,
	"portal_reply": 5,
}
CREATES = ("lead", "ticket", "web_lead", "call_event", "portal_reply")
TOKEN = "rest-load-token"


def percentile(values: list[float], p: float) -> float:
	if not values:
		return 0.0
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Fixture:
	"""Users with API keys, a portal customer with tickets, opportunities to edit; all deleted afterwards."""

	def __init__(self, frappe, run: str):
		self.frappe = frappe
		self.run = run
		self.users: list[str] = []
		self.docs: list[tuple[str, str]] = []

	def user(self, role: str, website: bool = False, suffix: str = "") -> tuple[str, str]:
		frappe = self.frappe
		doc = frappe.get_doc(
			{
				"doctype": "User",
				"email": f"load-{self.run}-{role.lower().replace(' ', '-')}{suffix}@example.com",
				"first_name": f"Load {role}",
				"send_welcome_email": 0,
				"user_type": "Website User" if website else "System User",
				"roles": [{"role": role}],
			}
		).insert(ignore_permissions=True)
		secret = frappe.generate_hash(length=15)
		doc.api_key, doc.api_secret = frappe.generate_hash(length=15), secret
		doc.save(ignore_permissions=True)
		self.users.append(doc.name)
		return doc.name, f"token {doc.api_key}:{secret}"

	def build(self) -> dict:
		frappe = self.frappe
		out = {}
		if not frappe.db.exists("User", "crm-suite-admin@example.com"):
			# Frappe makes the first system user a System Manager when none but Administrator exists (then
			# it could not be deleted); the test suite keeps this one on a test site for the same reason.
			frappe.get_doc(
				{
					"doctype": "User",
					"email": "crm-suite-admin@example.com",
					"first_name": "CRM Suite Admin",
					"send_welcome_email": 0,
					"roles": [{"role": "System Manager"}],
				}
			).insert(ignore_permissions=True)
		self.user("Sales User")  # the lead round robin gets a user (and is enabled)
		out["manager"] = self.user("Sales Manager")[1]
		out["agent"] = self.user("Support Agent")[1]  # the ticket round robin's user, and the REST caller
		portal_user, out["portal"] = self.user("Support Customer", website=True)
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": f"Load {self.run}", "customer_type": "Company"}
		).insert(ignore_permissions=True)
		self.docs.append(("Customer", customer.name))
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": "Load",
				"last_name": self.run,
				"user": portal_user,
				"email_ids": [{"email_id": portal_user, "is_primary": 1}],
				"links": [{"link_doctype": "Customer", "link_name": customer.name}],
			}
		).insert(ignore_permissions=True)
		self.docs.append(("Contact", contact.name))
		out["customer"] = customer.name
		out["portal_tickets"] = [
			frappe.get_doc(
				{"doctype": "Ticket", "subject": f"load-{self.run}-portal-{i}", "customer": customer.name}
			)
			.insert(ignore_permissions=True)
			.name
			for i in range(5)
		]
		out["opportunities"] = [
			frappe.get_doc(
				{
					"doctype": "Opportunity",
					"title": f"load-{self.run}-opp-{i}",
					"customer": customer.name,
					"currency": frappe.db.get_default("currency") or "EUR",
				}
			)
			.insert(ignore_permissions=True)
			.name
			for i in range(20)
		]
		settings = frappe.get_single("Contact Center Settings")
		self.saved_settings = (
			settings.web_lead_rate_limit,
			settings.webhook_token,
			settings.create_lead_for_unknown,
		)
		settings.web_lead_rate_limit = 10_000_000
		settings.webhook_token = TOKEN
		settings.create_lead_for_unknown = 0  # callers' leads would carry no marker
		settings.save(ignore_permissions=True)
		frappe.db.commit()
		return out

	def cleanup(self, opportunities: list[str], portal_tickets: list[str]) -> None:
		frappe = self.frappe
		frappe.db.rollback()
		sql = frappe.db.sql
		like = f"load-{self.run}-%"
		leads = sql("select name from tabLead where email_id like %s", like, pluck=True)
		tickets = sql("select name from tabTicket where subject like %s", like, pluck=True)
		interactions = sql(
			"select interaction from `tabCall Event Log` where event_id like %s and interaction is not null",
			like,
			pluck=True,
		)
		interactions += sql(
			"select name from tabInteraction where reference_name in %(r)s or lead in %(r)s",
			{"r": [*leads, *tickets] or [""]},
			pluck=True,
		)
		refs = [*leads, *tickets, *interactions, *opportunities] or [""]
		sql("delete from `tabCall Event Log` where event_id like %s", like)
		comms = sql(
			"select name from tabCommunication where reference_name in %(r)s", {"r": refs}, pluck=True
		)
		if comms:
			sql("delete from `tabCommunication Link` where parent in %(c)s", {"c": comms})
			sql("delete from tabCommunication where name in %(c)s", {"c": comms})
		delete_traces(refs)
		sql("delete from tabInteraction where name in %(i)s", {"i": interactions or [""]})
		sql("delete from tabLead where name in %(l)s", {"l": leads or [""]})
		sql("delete from tabTicket where name in %(t)s", {"t": tickets or [""]})
		sql("delete from tabOpportunity where name in %(o)s", {"o": opportunities or [""]})
		frappe.db.commit()
		for doctype, name in reversed(self.docs):
			if frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		for user in self.users:
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		if hasattr(self, "saved_settings"):
			settings = frappe.get_single("Contact Center Settings")
			(
				settings.web_lead_rate_limit,
				settings.webhook_token,
				settings.create_lead_for_unknown,
			) = self.saved_settings
			settings.save(ignore_permissions=True)
		frappe.db.commit()


class Client(threading.Thread):
	def __init__(self, i: int, url: str, site: str, fx: dict, run: str, until: float, results: list):
		super().__init__(daemon=True)
		self.i, self.url, self.site, self.fx, self.run_id = i, url, site, fx, run
		self.until, self.results = until, results
		self.rng = random.Random(i)

	def run(self) -> None:
		import requests

		session = requests.Session()
		ops, weights = list(MIX), list(MIX.values())
		n = 0
		while time.time() < self.until:
			op = self.rng.choices(ops, weights)[0]
			marker = f"load-{self.run_id}-{self.i}-{n}"
			n += 1
			method, path, headers, body = self.request(op, marker)
			headers = {"Host": self.site, "Accept": "application/json", **headers}
			start = time.perf_counter()
			try:
				r = session.request(method, self.url + path, headers=headers, json=body, timeout=120)
				status = r.status_code
				error = r.text[:300] if status >= 500 else ""
			except Exception as e:  # a dropped connection counts like a 5xx
				status, error = 599, repr(e)
			self.results.append((op, marker, status, (time.perf_counter() - start) * 1000, error))

	def request(self, op: str, marker: str):
		fx = self.fx
		if op == "lead":
			return (
				"POST",
				"/api/resource/Lead",
				{"Authorization": fx["manager"]},
				{"first_name": "Load", "last_name": marker, "email_id": f"{marker}@example.com"},
			)
		if op == "ticket":
			return (
				"POST",
				"/api/resource/Ticket",
				{"Authorization": fx["agent"]},
				{"subject": marker, "customer": fx["customer"], "description": "Load test"},
			)
		if op == "opportunity_edit":
			name = self.rng.choice(fx["opportunities"])
			return (
				"PUT",
				f"/api/resource/Opportunity/{name}",
				{"Authorization": fx["manager"]},
				{"notes": marker},
			)
		if op == "list":
			doctype = self.rng.choice(["Lead", "Ticket"])
			who = fx["manager"] if doctype == "Lead" else fx["agent"]
			return (
				"GET",
				f'/api/resource/{doctype}?fields=["name","status","modified"]&limit_page_length=20',
				{"Authorization": who},
				None,
			)
		if op == "web_lead":
			return (
				"POST",
				"/api/method/crm_suite.crm.web_to_lead.capture_lead",
				{},
				{"first_name": "Web", "last_name": marker, "email": f"{marker}@example.com", "message": "Hi"},
			)
		if op == "call_event":
			return (
				"POST",
				"/api/method/crm_suite.crm.telephony.call_event",
				{"X-Webhook-Token": TOKEN},
				{
					"event_id": marker,
					"event": "ended",
					"call_id": marker,
					"from": f"+4930{self.rng.randrange(10**7, 10**8)}",
					"duration": 30,
				},
			)
		if op == "portal_reply":
			return (
				"POST",
				"/api/method/crm_suite.service.portal.reply",
				{"Authorization": fx["portal"]},
				{"ticket": self.rng.choice(fx["portal_tickets"]), "message": marker},
			)
		raise ValueError(op)


def post_lead(session, url: str, headers: dict, marker: str):
	"""One REST lead create (`marker` in its last name and e-mail); the response, a 2xx."""
	r = session.post(
		f"{url}/api/resource/Lead",
		headers=headers,
		json={"first_name": "Load", "last_name": marker, "email_id": f"{marker}@example.com"},
	)
	r.raise_for_status()
	return r


def sequential_leads(url: str, site: str, fx: dict, run: str, n: int) -> None:
	"""One client, one lead after another (duplicate check, score, round robin and workflow all on)."""
	import requests

	session = requests.Session()
	headers = {"Host": site, "Accept": "application/json", "Authorization": fx["manager"]}
	times = []
	for i in range(n + 5):  # the first five warm the worker's caches
		start = time.perf_counter()
		post_lead(session, url, headers, f"load-{run}-seq-{i}")
		if i >= 5:
			times.append((time.perf_counter() - start) * 1000)
	print(
		f"one client, {n} REST lead creates one after another: median {statistics.median(times):.0f} ms,"
		f" p90 {percentile(times, 90):.0f} ms (load average {os.getloadavg()[0]:.1f})",
		flush=True,
	)


def stored_counts(frappe, run: str) -> dict[str, Counter]:
	"""For each create kind, marker -> how many records carry it."""
	frappe.db.rollback()
	like = f"load-{run}-%"
	sql = frappe.db.sql
	counts: dict[str, Counter] = {}
	leads = Counter(
		dict(
			sql(
				"select substring_index(email_id, '@', 1), count(*) from tabLead where email_id like %s group by 1",
				like,
			)
		)
	)
	counts["lead"] = counts["web_lead"] = leads
	counts["ticket"] = Counter(
		dict(sql("select subject, count(*) from tabTicket where subject like %s group by 1", like))
	)
	counts["call_event"] = Counter(
		dict(
			sql("select event_id, count(*) from `tabCall Event Log` where event_id like %s group by 1", like)
		)
	)
	counts["portal_reply"] = Counter(
		dict(
			sql(
				"""select content, count(*) from tabCommunication
				where reference_doctype = 'Ticket' and content like %s group by 1""",
				like,
			)
		)
	)
	return counts


def assignment_counts(frappe, run: str) -> dict[str, dict]:
	"""For the leads and tickets the clients created (web-to-lead and REST alike; the fixture's portal
	tickets aside): how many open ToDos each has. The round robins give each new one exactly one."""
	frappe.db.rollback()
	out = {}
	for doctype, field, status in (("Lead", "email_id", "New"), ("Ticket", "subject", "Open")):
		rows = frappe.get_all(
			doctype, {field: ("like", f"load-{run}-%"), "status": status}, ["name", field], as_list=True
		)
		names = [name for name, marker in rows if f"load-{run}-portal-" not in marker]
		todos = Counter(
			frappe.get_all(
				"ToDo",
				{"reference_type": doctype, "reference_name": ("in", names or [""]), "status": "Open"},
				pluck="reference_name",
			)
		)
		out[doctype] = {n: todos[n] for n in names}
	return out


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", required=True)
	parser.add_argument("--clients", type=int, default=8)
	parser.add_argument("--seconds", type=int, default=300)
	parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
	parser.add_argument(
		"--lead-median",
		type=int,
		default=0,
		metavar="N",
		help="first, N lead creates one after another by one client: the median and p90 of one REST lead",
	)
	args = parser.parse_args()

	import requests

	frappe = connect(args.site)
	run = frappe.generate_hash(length=6).lower()
	fixture = Fixture(frappe, run)
	fx: dict = {}
	try:
		fx = fixture.build()
		with serve(args.site, workers=args.workers, log_name=f"rest-load-{run}", timeout=90) as url:
			measure(args, frappe, requests, url, fx, run)
	finally:
		fixture.cleanup(fx.get("opportunities", []), fx.get("portal_tickets", []))
		frappe.destroy()


def measure(args, frappe, requests, url: str, fx: dict, run: str) -> None:
	"""The load run against the started server, and its report."""
	for _ in range(2):  # warm both workers' code paths once
		requests.get(f"{url}/api/resource/Lead", headers={"Host": args.site, "Authorization": fx["manager"]})

	if args.lead_median:
		sequential_leads(url, args.site, fx, run, args.lead_median)
	load_before = os.getloadavg()
	results: list = []
	until = time.time() + args.seconds
	clients = [Client(i, url, args.site, fx, run, until, results) for i in range(args.clients)]
	# a `short` worker, as production has, runs the saves' deferred Workflow Actions and assignments
	log = open(bench_folder() / "logs" / f"rest-load-{run}-worker.log", "w")
	worker = subprocess.Popen(
		[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "short"],
		cwd=bench_folder() / "sites",
		stdout=log,
		stderr=subprocess.STDOUT,
	)
	started = time.perf_counter()
	for c in clients:
		c.start()
	for c in clients:
		c.join()
	elapsed = time.perf_counter() - started
	load_after = os.getloadavg()
	worker.terminate()
	worker.wait(timeout=120)
	log.close()
	from crm_suite.utils.workflow_actions import run_pending

	frappe.db.rollback()
	left = run_pending(budget=3600)  # what the worker had not reached yet

	counts = stored_counts(frappe, run)
	by_op: dict[str, list] = defaultdict(list)
	for row in results:
		by_op[row[0]].append(row)
	fivexx = [r for r in results if r[2] >= 500]
	lost, doubled, half = [], [], []
	for op in CREATES:
		for _op, marker, status, _ms, _err in by_op.get(op, []):
			stored = counts[op].get(marker if op != "portal_reply" else marker, 0)
			if status == 200 and stored == 0:
				lost.append((op, marker))
			elif stored > 1:
				doubled.append((op, marker, stored))
			elif status != 200 and stored:
				half.append((op, marker, status))

	print(
		f"\n{args.clients} clients, {args.seconds} s, gunicorn {args.workers} workers: {len(results)} requests"
		f" in {elapsed:.0f} s = {len(results) / elapsed:.1f} req/s;"
		f" load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
	)
	print(f"{'operation':<18}{'requests':>9}{'2xx':>7}{'4xx':>6}{'5xx':>6}{'p50 ms':>9}{'p99 ms':>9}")
	for op in MIX:
		rows = by_op.get(op, [])
		ms = [r[3] for r in rows]
		st = Counter(r[2] // 100 for r in rows)
		print(
			f"{op:<18}{len(rows):>9}{st[2]:>7}{st[4]:>6}{st[5]:>6}"
			f"{percentile(ms, 50):>9.0f}{percentile(ms, 99):>9.0f}"
		)
	all_ms = [r[3] for r in results]
	print(
		f"{'all':<18}{len(results):>9}{'':>7}{'':>6}{len(fivexx):>6}{percentile(all_ms, 50):>9.0f}{percentile(all_ms, 99):>9.0f}"
	)
	creates_ok = sum(1 for op in CREATES for r in by_op.get(op, []) if r[2] == 200)
	print(
		f"creates answered 200: {creates_ok}; answered 200 but not stored: {len(lost)};"
		f" stored twice: {len(doubled)}; refused but stored: {len(half)}"
	)
	for r in fivexx[:5]:
		print("  5xx:", r[0], r[2], r[4][:200])
	for r in (lost + doubled + half)[:5]:
		print("  mismatch:", r)
	refused = Counter((r[0], r[2]) for r in results if 400 <= r[2] < 500)
	if refused:
		print("  4xx:", dict(refused))
	assigned = assignment_counts(frappe, run)
	wrong = {kind: sum(1 for n in c.values() if n != 1) for kind, c in assigned.items()}
	print(
		f"deferred saves left for after the run: {left}; records not assigned exactly once:"
		f" {wrong} of { ({kind: len(c) for kind, c in assigned.items()}) }"
	)
	ok = not fivexx and not lost and not doubled and not half and not any(wrong.values())
	print("RESULT:", "OK" if ok else "FAILED")


if __name__ == "__main__":
	main()
