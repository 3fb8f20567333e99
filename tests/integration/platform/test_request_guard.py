"""The request guard runs once per API request, after Frappe authenticated it (token or session), and
answers bad input to Singles and to document methods with a 4xx too."""

import inspect

import frappe
import pytest
import requests

import crm_suite.api.request_guard as guard
from tests.integration.factories import make_user, unique
from tests.integration.platform.test_api_errors import message_of

BAD_FILTER = {"filters": '{"no_such_field": 1}'}
BAD_BODY = {"first_name": "Guard", "no_such_field": 1}
UNKNOWN = "Unknown field(s): no_such_field"


def test_the_guard_is_an_auth_hook_and_never_authenticates_itself():
	hook = "crm_suite.api.request_guard.validate_api_request"
	assert hook in frappe.get_hooks("auth_hooks")
	assert hook not in frappe.get_hooks("before_request")
	source = inspect.getsource(guard)
	assert "validate_auth" not in source.replace("`validate_auth`", "")  # only named in the docstring


def test_token_auth_is_seen_by_the_guard_and_a_wrong_secret_is_401(api_as, server):
	from tests.integration.conftest import Api

	api = api_as("Sales User")
	response = api.post("/api/resource/Lead", json=BAD_BODY)
	assert response.status_code == 400 and UNKNOWN in message_of(response)
	assert api.get("/api/resource/Lead", params={"limit_page_length": "1"}).status_code == 200

	key = api.headers["Authorization"].split()[1].split(":")[0]
	wrong = Api(server, f"{key}:not-the-secret")
	response = wrong.post("/api/resource/Lead", json=BAD_BODY)
	assert response.status_code == 401 and "no_such_field" not in response.text


@pytest.fixture
def session_user(server, committed):
	"""A desk user signed in with a password: a requests.Session holding Frappe's sid cookie."""
	from frappe.utils.password import update_password

	user = committed(make_user("Sales User"))
	password = frappe.generate_hash(length=16)
	update_password(user.name, password)
	frappe.db.commit()
	session = requests.Session()
	session.headers.update({"Host": server.host, "Accept": "application/json"})
	login = session.post(
		f"{server.url}/api/method/login", json={"usr": user.name, "pwd": password}, timeout=30
	)
	assert login.status_code == 200, login.text
	return session


def test_session_auth_is_seen_by_the_guard(session_user, server):
	response = session_user.post(f"{server.url}/api/resource/Lead", json=BAD_BODY, timeout=30)
	assert response.status_code == 400 and UNKNOWN in message_of(response)
	assert session_user.get(f"{server.url}/api/resource/Lead", timeout=30).status_code == 200


def test_guests_and_non_api_requests_are_left_to_frappe(guest_api, session_user, server):
	# a guest gets Frappe's own answer (403), never the guard's 400 about the request's contents
	response = guest_api.get("/api/resource/Lead", params={"limit_page_length": "-5"})
	assert response.status_code == 403 and "limit_page_length" not in response.text
	# a desk page with the same query string is not an API call: the guard does not look at it
	page = session_user.get(f"{server.url}/app/lead", params=BAD_FILTER, timeout=30)
	assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]


def test_an_app_method_open_to_guests_is_still_checked_for_guests(guest_api):
	path = "/api/method/crm_suite.service.feedback.submit_feedback"
	response = guest_api.post(path, json={})
	assert response.status_code == 400 and "Missing argument(s)" in message_of(response)
	# null or false for `ticket: str`: Frappe checks the annotation before its rate_limit (keyed on ticket) runs
	response = guest_api.post(path, json={"ticket": None, "rating": 5})
	assert response.status_code == 417 and "Argument 'ticket' should be of type" in message_of(response)
	response = guest_api.post(path, json={"ticket": False, "rating": 5})
	assert response.status_code == 417 and "Argument 'ticket' should be of type" in message_of(response)


# ------------------------------------------------------------------ Singles
def test_single_read_update_and_bad_input(api_as):
	manager = api_as("CRM Manager")
	path = "/api/resource/CRM Settings/CRM Settings"
	response = manager.get(path)
	assert response.status_code == 200 and response.json()["data"]["doctype"] == "CRM Settings"

	response = manager.put(path, json={"no_such_setting": 1})
	assert response.status_code == 400 and "Unknown field(s): no_such_setting" in message_of(response)
	assert manager.get("/api/resource/CRM Settings").status_code == 400  # a Single has no list

	assert api_as("Support Agent").get(path).status_code == 403


# ------------------------------------------------------------------ document methods
@pytest.fixture
def segment(committed):
	doc = frappe.get_doc(
		{
			"doctype": "Segment",
			"segment_name": unique("Guard Segment "),
			"based_on": "Customer",
			"segment_type": "Filter Conditions",
		}
	).insert()
	return committed(doc)


def test_document_methods_over_run_doc_method_and_rest(api_as, segment):
	from crm_suite.marketing.segments import count_members

	frappe.db.commit()
	expected = count_members(segment)
	api = api_as("Sales User")
	call = {"dt": "Segment", "dn": segment.name, "method": "refresh_count"}
	response = api.post("/api/method/run_doc_method", json=call)
	assert response.status_code == 200, response.text
	assert response.json()["message"] == expected

	for body, needle in (
		({**call, "method": "no_such_method"}, "has no method 'no_such_method'"),
		({**call, "method": "validate"}, "has no method 'validate'"),  # not whitelisted
		({"dn": segment.name, "method": "refresh_count"}, "needs dt"),
		({"dt": "Segment", "dn": segment.name}, "Missing argument(s): method"),
		({**call, "method": ["refresh_count"]}, "method must be the name"),
		({**call, "dn": {"name": segment.name}}, "dn must be the name"),
	):
		response = api.post("/api/method/run_doc_method", json=body)
		assert response.status_code == 400, (body, response.text)
		assert needle in message_of(response)

	# Frappe's own document methods are checked the same way (the desk calls them too)
	response = api.post(
		"/api/method/run_doc_method", json={**call, "method": "add_comment", "args": {"colour": "red"}}
	)
	assert response.status_code == 400 and "Unknown argument(s): colour" in message_of(response)

	# Frappe itself fails with a 500 on a DocType that does not exist
	response = api.post("/api/method/run_doc_method", json={**call, "dt": "No Such DocType"})
	assert response.status_code == 404 and "DocType No Such DocType not found" in message_of(response)

	# Frappe's REST form passes every other parameter on to the method: unknown ones are a 400, not a 500
	rest = f"/api/resource/Segment/{segment.name}"
	assert api.get(rest, params={"run_method": "refresh_count"}).json()["data"] == expected
	response = api.get(rest, params={"run_method": "refresh_count", "colour": "red"})
	assert response.status_code == 400 and "Unknown argument(s): colour" in message_of(response)

	# who may: a Support Agent may not read segments
	assert api_as("Support Agent").post("/api/method/run_doc_method", json=call).status_code == 403
