"""Integration tests run inside a real site on MariaDB. Each test's writes are rolled back afterwards;
tests that must commit (REST calls to a live server) clean up through the `committed` fixture."""

import os

import frappe
import pytest
import requests

from crm_suite.devserver import give_api_key, make_user
from tests.conftest import bench_path
from tests.integration.factories import delete_for_good


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
		make_user(email, "System Manager", first_name="CRM Suite Admin")
		frappe.db.commit()


@pytest.fixture(autouse=True)
def rollback_after_test(site):
	frappe.set_user("Administrator")
	yield
	frappe.db.rollback()
	forget_rolled_back_caches()
	frappe.set_user("Administrator")
	frappe.local.message_log = []
	frappe.local.response = frappe._dict()


def forget_rolled_back_caches() -> None:
	"""Frappe drops cached documents on rollback, not what it keeps beside them: the doctype maps in Redis
	(which Assignment Rules apply to a doctype, filled by a save the rollback undid) and the connection's
	Single values. A test that enabled a rule or set an option must not leave it on for the next one."""
	from frappe.cache_manager import doctype_map_keys

	frappe.cache.delete_value(list(doctype_map_keys))
	frappe.db.value_cache.clear()


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
			delete_for_good(doctype, name)
	frappe.db.commit()


@pytest.fixture(scope="session")
def server(site):
	"""A real Frappe web server for this site (werkzeug, as `bench serve` runs it), on a free port."""
	from crm_suite.devserver import serve

	with serve(site, log_name="crm-suite-test-server") as url:
		yield frappe._dict(url=url, host=site)


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
		from tests.integration.factories import make_user as test_user

		user = test_user(*roles)
		token = give_api_key(user)
		committed(user)
		frappe.db.commit()
		return Api(server, token)

	return make


@pytest.fixture
def guest_api(server):
	return Api(server)
