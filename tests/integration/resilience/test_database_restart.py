"""MariaDB restarted, then crashed, under load: requests fail cleanly while it is down (HTTP 503 with a
message and Retry-After, in well under a second; no hang), work again as soon as it is back, and nothing is
half-written: every lead and ticket answered 200 is stored once, and every stored one is whole (its
assignment ToDo written with it; a ticket's SLA deadlines too).

Frappe's production server (gunicorn, 2 workers) serves a lab site on the lab's own MariaDB; four REST
clients (a Sales User creating leads, a Support Agent creating tickets, both reading lists) run throughout.
The database is first restarted cleanly (SIGTERM, as `systemctl restart` does), then killed with SIGKILL
(a crash: InnoDB recovers on the next start)."""

import json
import signal
import threading
import time
from dataclasses import dataclass

import pytest
import requests

from tests.integration.resilience.conftest import Lab

TASKS = "tests.integration.resilience.lab_tasks"
CLIENTS = 4
REQUEST_TIMEOUT = 30  # the clients' limit; a request that needs it has hung


@dataclass
class Call:
	kind: str
	marker: str
	started: float
	seconds: float
	status: int  # 0: no HTTP answer at all
	body: dict | None
	retry_after: str | None


@pytest.fixture(scope="module")
def served(lab_factory):
	the_lab: Lab = lab_factory("restart")
	the_lab.bench.execute(the_lab.SITE, f"{TASKS}.default_sla")  # tickets get deadlines on save
	sales = the_lab.bench.execute(
		the_lab.SITE, f"{TASKS}.api_user", roles=["Sales User"], email="load.sales@lab.invalid"
	)
	support = the_lab.bench.execute(
		the_lab.SITE, f"{TASKS}.api_user", roles=["Support Agent"], email="load.support@lab.invalid"
	)
	url = the_lab.bench.gunicorn(the_lab.SITE, workers=2)
	return the_lab, url, {"Lead": sales, "Ticket": support}


class Load:
	"""CLIENTS threads, each creating leads or tickets and reading the list, until stopped."""

	def __init__(self, url: str, site: str, tokens: dict[str, str]):
		self.url, self.site, self.tokens = url, site, tokens
		self.calls: list[Call] = []
		self.stop = threading.Event()
		self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(CLIENTS)]

	def client(self, i: int) -> None:
		doctype = "Lead" if i % 2 == 0 else "Ticket"
		headers = {
			"Host": self.site,
			"Accept": "application/json",
			"Authorization": f"token {self.tokens[doctype]}",
		}
		n = 0
		while not self.stop.is_set():
			n += 1
			marker = f"load-{i}-{n}"
			body = (
				{"first_name": "Load", "last_name": marker, "email_id": f"{marker}@lab.invalid"}
				if doctype == "Lead"
				else {"subject": marker, "priority": "Medium"}
			)
			self.call(doctype, marker, "POST", f"/api/resource/{doctype}", headers, json=body)
			self.call(
				f"{doctype} list", marker, "GET", f"/api/resource/{doctype}?limit_page_length=5", headers
			)

	def call(self, kind, marker, method, path, headers, **kw) -> None:
		started = time.monotonic()
		try:
			r = requests.request(method, self.url + path, headers=headers, timeout=REQUEST_TIMEOUT, **kw)
			try:
				body = r.json()
			except ValueError:
				body = None
			status, retry_after = r.status_code, r.headers.get("Retry-After")
		except requests.RequestException:
			status, body, retry_after = 0, None, None
		self.calls.append(Call(kind, marker, started, time.monotonic() - started, status, body, retry_after))

	def __enter__(self):
		for t in self.threads:
			t.start()
		return self

	def __exit__(self, *exc):
		self.stop.set()
		for t in self.threads:
			t.join(timeout=REQUEST_TIMEOUT + 5)


def outage(the_lab: Lab, sig: int, down_for: float = 5) -> tuple[float, float, float, float]:
	"""Stop MariaDB with `sig`, leave it down, start it again. Returns the times (monotonic) the stop
	began, it had stopped, the start began and it was serving again."""
	stopping = time.monotonic()
	the_lab.mariadb.stop(sig)
	down_from = time.monotonic()
	time.sleep(down_for)
	down_until = time.monotonic()
	the_lab.mariadb.start()
	return stopping, down_from, down_until, time.monotonic()


def test_requests_fail_cleanly_while_mariadb_is_down_and_nothing_is_half_written(served):
	the_lab, url, tokens = served
	with Load(url, the_lab.SITE, tokens) as load:
		time.sleep(4)
		restart = outage(the_lab, signal.SIGTERM)
		time.sleep(5)
		crash = outage(the_lab, signal.SIGKILL)
		time.sleep(5)
	calls = load.calls

	# No hang: every request got an HTTP answer, quickly, also while the database was away.
	assert all(c.status for c in calls), "a request got no HTTP answer"
	assert max(c.seconds for c in calls) < 10, sorted(c.seconds for c in calls)[-5:]

	for _stopping, down_from, down_until, up in (restart, crash):
		during = [c for c in calls if down_from <= c.started and c.started + c.seconds <= down_until]
		assert len(during) >= CLIENTS, "the clients kept calling while the database was down"
		for c in during:  # a clean refusal: 503, the reason, when to come back; nothing else
			assert c.status == 503, (c.kind, c.status, c.body)
			assert c.body and c.body.get("exc_type") == "DatabaseUnavailableError"
			message = json.loads(json.loads(c.body["_server_messages"])[0])["message"]
			assert "database is not reachable" in message
			assert c.retry_after == "5"
			assert c.seconds < 2
		back = [c for c in calls if up < c.started < up + 4 and c.status == 200]
		assert {c.kind for c in back} >= {"Lead", "Ticket", "Lead list", "Ticket list"}, "not back at once"

	# Outside the outages (from the stop's start until a second after it serves again) all succeeded;
	# inside them, a request is answered 503, or 500 if the server went away while it ran.
	outages = [(stopping, up + 1) for stopping, _d, _u, up in (restart, crash)]
	inside = [c for c in calls if any(a <= c.started + c.seconds and c.started <= b for a, b in outages)]
	steady = [c for c in calls if c not in inside]
	assert steady and all(c.status == 200 for c in steady), [
		(c.kind, c.status) for c in steady if c.status != 200
	]
	assert all(c.status in (200, 500, 503) for c in inside)
	cut_off = [c for c in inside if c.status == 500]
	assert len(cut_off) <= 2 * CLIENTS, "more 500s than requests running when the server went away"

	# Nothing lost, nothing twice, nothing half-written.
	creates = [c for c in calls if c.kind in ("Lead", "Ticket")]
	answered = {c.marker for c in creates if c.status == 200}
	leads = stored(the_lab, "SELECT last_name, name, _assign FROM `tabLead` WHERE last_name LIKE 'load-%'")
	tickets = stored(
		the_lab,
		"SELECT subject, name, _assign FROM `tabTicket` WHERE subject LIKE 'load-%' AND response_by IS NOT NULL "
		"AND resolution_by IS NOT NULL AND IFNULL(service_level_agreement, '') != ''",
	)
	all_tickets = stored(
		the_lab, "SELECT subject, name, _assign FROM `tabTicket` WHERE subject LIKE 'load-%'"
	)
	assert set(all_tickets) == set(tickets), "a ticket was stored without its SLA deadlines"
	records = {**leads, **tickets}
	assert answered <= set(records), f"answered 200 but not stored: {sorted(answered - set(records))[:5]}"
	assert len(leads) + len(tickets) == len(set(leads) | set(tickets))
	for marker, (doctype, name, assign) in records.items():
		todos = the_lab.mariadb.sql(
			"SELECT allocated_to FROM `tabToDo` WHERE reference_type = %s AND reference_name = %s AND status = 'Open'",
			(doctype, name),
			database=the_lab.db,
		)
		assert sorted(json.loads(assign or "[]")) == sorted(t for (t,) in todos), (
			f"{marker}: assignment half-written"
		)
	# A create refused while the database was down is not stored.
	refused = {c.marker for c in creates if c.status == 503}
	assert refused and not refused & set(records)


def stored(the_lab: Lab, query: str) -> dict[str, tuple]:
	doctype = "Lead" if "tabLead" in query else "Ticket"
	rows = the_lab.mariadb.sql(query, database=the_lab.db)
	markers = [r[0] for r in rows]
	assert len(markers) == len(set(markers)), "a record was stored twice"
	return {r[0]: (doctype, r[1], r[2]) for r in rows}
