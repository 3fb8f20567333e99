"""Integration tests run inside a real site on MariaDB. Each test's writes are rolled back afterwards;
tests that must commit (REST calls to a live server) clean up through the `committed` fixture."""

import os
import socket
import subprocess
import sys
import time
from contextlib import closing

import frappe
import pytest
import requests
from frappe.cache_manager import clear_doctype_map

from tests.conftest import bench_path


@pytest.fixture(scope="session", autouse=True)
def site(pytestconfig):
	site = pytestconfig.getoption("--site")
	if not site:
		raise pytest.UsageError("Integration tests need a site: pass --site SITE or set CRM_SITE.")
	sites_path = str(bench_path() / "sites")
	os.chdir(sites_path)
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	frappe.flags.in_test = True
	frappe.clear_cache()
	ensure_a_system_manager()
	yield site
	frappe.db.rollback()
	frappe.destroy()


def ensure_a_system_manager() -> None:
	"""Frappe makes the first system user it sees an administrator when no System Manager other than
	Administrator exists; a real site always has one, so the test site gets one too."""
	email = "crm-suite-admin@example.com"
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": "CRM Suite Admin",
				"send_welcome_email": 0,
				"roles": [{"role": "System Manager"}],
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()


@pytest.fixture(autouse=True)
def rollback_after_test(site):
	frappe.set_user("Administrator")
	yield
	frappe.db.rollback()
	# Frappe caches the enabled Assignment Rules per doctype in Redis, which a rollback does not undo: a
	# test that enabled a round robin inside its transaction would leave the next test a rule with no users.
	for doctype in ("Lead", "Ticket"):
		clear_doctype_map("Assignment Rule", doctype)
		clear_doctype_map("Assignment Rule", f"due_date_rules_for_{doctype}")
	frappe.set_user("Administrator")
	frappe.local.message_log = []
	frappe.local.response = frappe._dict()


@pytest.fixture
def committed():
	"""Docs created for a live server must be committed; this deletes them (in reverse order) afterwards."""
	created: list[tuple[str, str]] = []

	def track(doc):
		created.append((doc.doctype, doc.name))
		return doc

	yield track
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for doctype, name in reversed(created):
		if frappe.db.exists(doctype, name):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.commit()


def _free_port() -> int:
	with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(site):
	"""A real Frappe web server for this site (werkzeug, as `bench serve` runs it), on a free port."""
	port = _free_port()
	bench = bench_path()
	log = open(bench / "logs" / f"crm-suite-test-server-{port}.log", "w")
	proc = subprocess.Popen(
		[
			sys.executable,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			site,
			"serve",
			"--port",
			str(port),
			"--noreload",
			"--nothreading",
		],
		cwd=bench / "sites",
		stdout=log,
		stderr=subprocess.STDOUT,
	)
	url = f"http://127.0.0.1:{port}"
	deadline = time.time() + 60
	while time.time() < deadline:
		try:
			if requests.get(f"{url}/api/method/ping", headers={"Host": site}, timeout=2).ok:
				break
		except requests.ConnectionError:
			time.sleep(0.3)
	else:
		proc.kill()
		raise RuntimeError(f"The test server did not start; see {log.name}")
	yield frappe._dict(url=url, host=site)
	proc.terminate()
	proc.wait(timeout=20)
	log.close()


class Api:
	"""A REST client for the test server, as one user (token auth) or as Guest (no credentials)."""

	def __init__(self, server, token: str | None = None):
		self.server = server
		self.headers = {"Host": server.host, "Accept": "application/json"}
		if token:
			self.headers["Authorization"] = f"token {token}"

	def request(self, method: str, path: str, **kwargs) -> requests.Response:
		return requests.request(method, self.server.url + path, headers=self.headers, timeout=30, **kwargs)

	def get(self, path, **kw):
		return self.request("GET", path, **kw)

	def post(self, path, **kw):
		return self.request("POST", path, **kw)

	def put(self, path, **kw):
		return self.request("PUT", path, **kw)

	def delete(self, path, **kw):
		return self.request("DELETE", path, **kw)


@pytest.fixture
def api_as(server, committed):
	"""api_as(roles) -> an Api signed in (API key and secret) as a new user with these roles."""

	def make(*roles: str) -> Api:
		from tests.integration.factories import make_user

		user = make_user(*roles)
		secret = frappe.generate_hash(length=15)
		user.api_key = frappe.generate_hash(length=15)
		user.api_secret = secret
		user.save(ignore_permissions=True)
		committed(user)
		frappe.db.commit()
		return Api(server, f"{user.api_key}:{secret}")

	return make


@pytest.fixture
def guest_api(server):
	return Api(server)
