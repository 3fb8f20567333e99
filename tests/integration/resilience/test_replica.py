"""Scale-out on a real MariaDB replica with Frappe's `read_from_replica`: reports run on the replica, writes
go to the primary, and a replica that is down leaves the reports reading from the primary.

The lab's MariaDB is the primary (binary log on); a second mariadbd (read_only, its own datadir and port)
starts on a copy of the same datadir (the site template: the site's whole database) and replicates the
primary from its first binary log, so it also holds everything written since the primary started. The site config
gets `read_from_replica`, `replica_host` and `replica_db_port`; Frappe's production server (gunicorn) serves
it, and a Sales Manager calls the Sales Funnel report over REST (`frappe.desk.query_report.run`, itself
@frappe.read_only(), as every Script Report of the app is).

To tell which server answered, replication is paused (STOP SLAVE SQL_THREAD) and leads are created on the
primary: the report still counts what the replica holds, the record API (the primary) already has them."""

import json
import signal
import time

import pytest
import requests

from tests.integration.resilience import lab as lab_mod
from tests.integration.resilience.conftest import Lab

TASKS = "tests.integration.resilience.lab_tasks"
REPL_PASSWORD = "lab-repl"
PROBE_SECONDS = 1  # how long a replica probe's verdict holds here (site config replica_probe_seconds)


@pytest.fixture(scope="module")
def replicated(lab_factory, site_template):
	primary: Lab = lab_factory("primary", binlog=True)
	primary.mariadb.sql(f"CREATE USER 'repl'@'%' IDENTIFIED BY '{REPL_PASSWORD}'")
	primary.mariadb.sql("GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'")
	replica = lab_mod.MariaDB(
		primary.bench.root.parent / "replica", site_template, server_id=2, extra=["--read-only=1"]
	).start()
	try:
		first_log = primary.mariadb.sql("SHOW BINARY LOGS")[0][0]
		replica.sql(
			f"""CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {primary.mariadb.port},
			MASTER_USER = 'repl', MASTER_PASSWORD = '{REPL_PASSWORD}',
			MASTER_LOG_FILE = '{first_log}', MASTER_LOG_POS = 4"""
		)
		replica.sql("START SLAVE")
		primary.replica = replica
		catch_up(primary)
		primary.bench.update_site_config(
			primary.SITE,
			{
				"read_from_replica": 1,
				"replica_host": "127.0.0.1",
				"replica_db_port": replica.port,
				"replica_probe_seconds": PROBE_SECONDS,
			},
		)
		token = primary.bench.execute(
			primary.SITE, f"{TASKS}.api_user", roles=["Sales Manager"], email="reports@lab.invalid"
		)
		primary.bench.execute(primary.SITE, f"{TASKS}.make_leads", count=20)
		url = primary.bench.gunicorn(primary.SITE, workers=2)
		catch_up(primary)
		yield primary, url, token
	finally:
		replica.stop()


def catch_up(the_lab: Lab, timeout: int = 120) -> None:
	"""Until the replica has applied everything the primary has written (MASTER_GTID_WAIT)."""
	position = the_lab.mariadb.sql("SELECT @@gtid_binlog_pos")[0][0]
	assert the_lab.replica.sql("SELECT MASTER_GTID_WAIT(%s, %s)", (position, timeout))[0][0] == 0


class Client:
	def __init__(self, url: str, site: str, token: str):
		self.url = url
		self.headers = {"Host": site, "Accept": "application/json", "Authorization": f"token {token}"}

	def funnel_leads(self) -> int:
		"""The Sales Funnel report's lead count (its first row), as the desk gets it."""
		r = requests.post(
			f"{self.url}/api/method/frappe.desk.query_report.run",
			json={"report_name": "Sales Funnel", "filters": {}},
			headers=self.headers,
			timeout=60,
		)
		assert r.status_code == 200, r.text[:2000]
		rows = r.json()["message"]["result"]
		return next(row["count"] for row in rows if isinstance(row, dict) and row.get("stage") == "Leads")

	def lead_count(self) -> int:
		"""The record API's count (frappe.client.get_count: not read-only, so the primary)."""
		r = requests.get(
			f"{self.url}/api/method/frappe.client.get_count",
			params={"doctype": "Lead"},
			headers=self.headers,
			timeout=60,
		)
		assert r.status_code == 200, r.text[:2000]
		return r.json()["message"]

	def create_lead(self, marker: str) -> requests.Response:
		return requests.post(
			f"{self.url}/api/resource/Lead",
			json={"first_name": "Replica", "last_name": marker, "email_id": f"{marker}@lab.invalid"},
			headers=self.headers,
			timeout=60,
		)


def leads_on(server: lab_mod.MariaDB, db: str) -> int:
	return server.sql("SELECT COUNT(*) FROM `tabLead`", database=db)[0][0]


def test_reports_read_the_replica_and_writes_go_to_the_primary(replicated):
	the_lab, url, token = replicated
	client = Client(url, the_lab.SITE, token)
	assert client.funnel_leads() == client.lead_count() == leads_on(the_lab.replica, the_lab.db)

	the_lab.replica.sql("STOP SLAVE SQL_THREAD")  # the replica keeps its state; the primary moves on
	try:
		before = leads_on(the_lab.replica, the_lab.db)
		for i in range(3):
			assert client.create_lead(f"paused-{i}").status_code == 200
		# The writes went to the primary (the replica is read_only: a write routed there would have failed).
		assert leads_on(the_lab.mariadb, the_lab.db) == before + 3
		assert leads_on(the_lab.replica, the_lab.db) == before
		assert client.lead_count() == before + 3  # the record API reads the primary
		assert client.funnel_leads() == before  # the report reads the replica's state
	finally:
		the_lab.replica.sql("START SLAVE SQL_THREAD")
	catch_up(the_lab)
	assert client.funnel_leads() == before + 3


def test_analytics_job_learns_on_the_replica(replicated):
	"""The nightly scoring's read part (learn_model, @frappe.read_only()) runs on the replica: with
	replication paused, a lead closed on the primary is not in the model the job learns and stores."""
	the_lab, _url, _token = replicated
	learned = lambda: the_lab.bench.execute(the_lab.SITE, f"{TASKS}.learn_lead_model")  # noqa: E731
	the_lab.bench.execute(the_lab.SITE, f"{TASKS}.close_leads", count=6)
	catch_up(the_lab)
	model = learned()
	the_lab.replica.sql("STOP SLAVE SQL_THREAD")
	try:
		the_lab.bench.execute(the_lab.SITE, f"{TASKS}.close_leads", count=2)
		assert learned() == model  # learned from the replica's (paused) history
	finally:
		the_lab.replica.sql("START SLAVE SQL_THREAD")
	catch_up(the_lab)
	assert learned()["won"] + learned()["lost"] == model["won"] + model["lost"] + 2


def test_a_replica_that_is_down_leaves_reports_on_the_primary(replicated):
	the_lab, url, token = replicated
	client = Client(url, the_lab.SITE, token)
	the_lab.replica.stop(signal.SIGTERM)
	try:
		time.sleep(PROBE_SECONDS + 1)  # the last probe's verdict ("reachable") has expired
		assert client.create_lead("replica-down").status_code == 200  # writes never needed the replica
		assert client.funnel_leads() == client.lead_count() == leads_on(the_lab.mariadb, the_lab.db)
		# ... and so do the analytics jobs' reads
		assert the_lab.bench.execute(the_lab.SITE, f"{TASKS}.learn_lead_model")["won"] > 0
	finally:
		the_lab.replica.start()
	catch_up(the_lab)  # it catches up from where it stopped
	time.sleep(PROBE_SECONDS + 1)
	assert client.funnel_leads() == leads_on(the_lab.replica, the_lab.db)
	assert json.dumps(the_lab.bench.site_config(the_lab.SITE)).count("read_from_replica") == 1
