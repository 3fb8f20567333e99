"""Portal isolation (desk API, portal pages, REST) and customer feedback."""

import frappe
import pytest

from crm_suite.service import portal
from crm_suite.service.feedback import (
	FEEDBACK_RATE_LIMIT,
	FeedbackAlreadyGiven,
	feedback_token,
	request_feedback,
	submit_feedback,
)
from tests.integration.conftest import Api
from tests.integration.factories import delete_for_good, make_ticket
from tests.integration.service.helpers import make_agent, make_portal_customer, queued_mail


@pytest.fixture
def two_customers():
	a, b = make_portal_customer(), make_portal_customer()
	a.ticket = make_ticket(customer=a.customer.name, raised_by=a.email)
	b.ticket = make_ticket(customer=b.customer.name, raised_by=b.email)
	return a, b


def comms(ticket):
	return frappe.db.count("Communication", {"reference_doctype": "Ticket", "reference_name": ticket})


def resolve(ticket):
	ticket = frappe.get_doc("Ticket", ticket.name)
	ticket.status = "Resolved"
	ticket.save()
	return ticket


# ----------------------------------------------------------------- permissions in the desk API
def test_a_contact_sees_their_customers_tickets_only(two_customers):
	a, b = two_customers
	frappe.set_user(a.user.name)
	assert frappe.has_permission("Ticket", "read", a.ticket.name)
	assert not frappe.has_permission("Ticket", "read", b.ticket.name)
	assert not frappe.has_permission("Ticket", "write", a.ticket.name)  # answers go through the portal
	assert [t.name for t in portal.get_my_tickets()] == [a.ticket.name]
	assert portal.get_ticket(a.ticket.name)["ticket"]["name"] == a.ticket.name
	with pytest.raises(frappe.PermissionError):
		portal.get_ticket(b.ticket.name)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc("Ticket", b.ticket.name).check_permission("read")


def test_staff_are_not_restricted(two_customers):
	a, b = two_customers
	frappe.set_user(make_agent().name)
	names = set(
		frappe.get_list("Ticket", filters={"name": ("in", [a.ticket.name, b.ticket.name])}, pluck="name")
	)
	assert names == {a.ticket.name, b.ticket.name}


def test_a_portal_ticket_belongs_to_its_creator_whatever_they_send(two_customers):
	a, b = two_customers
	frappe.set_user(a.user.name)
	name = portal.create_ticket("VPN down", "since noon")
	ticket = frappe.get_doc("Ticket", name)
	assert (ticket.customer, ticket.raised_by, ticket.contact, ticket.status) == (
		a.customer.name,
		a.email,
		a.contact.name,
		"Open",
	)
	forged = frappe.get_doc(
		{
			"doctype": "Ticket",
			"subject": "forged",
			"customer": b.customer.name,
			"raised_by": b.email,
			"status": "Resolved",
		}
	).insert()
	assert (forged.customer, forged.raised_by, forged.status) == (a.customer.name, a.email, "Open")


def test_a_portal_ticket_cannot_set_what_the_server_computes(two_customers):
	a, _b = two_customers
	frappe.set_user(a.user.name)
	forged = frappe.get_doc(
		{
			"doctype": "Ticket",
			"subject": "clock games",
			"opening_date": "2020-01-01 00:00:00",
			"first_responded_on": "2020-01-01 00:05:00",
			"escalated_on": "2020-01-01 00:10:00",
			"paused_minutes": 99999,
			"feedback_rating": 5,
			"agreement_status": "Fulfilled",
		}
	).insert()
	assert str(forged.opening_date) > "2026"
	assert not (forged.first_responded_on or forged.escalated_on or forged.feedback_rating)
	assert not forged.paused_minutes and forged.agreement_status != "Fulfilled"


def test_a_desk_user_who_may_only_read_a_ticket_cannot_reply_as_the_customer(two_customers):
	from tests.integration.factories import make_user

	a, _b = two_customers
	seller = make_user("Sales User").name
	assert frappe.has_permission("Ticket", "read", a.ticket.name, user=seller)
	assert_reply_refused(a.ticket.name, seller, "posing as the customer")


def test_a_reply_by_a_stranger_is_refused_and_nothing_is_saved(two_customers):
	a, b = two_customers
	assert_reply_refused(b.ticket.name, a.user.name, "let me in")
	assert_reply_refused(b.ticket.name, "Guest", "let me in")


def assert_reply_refused(ticket: str, user: str, text: str) -> None:
	"""`user` replying on the ticket through the portal is refused, and no communication is stored."""
	frappe.set_user(user)
	with pytest.raises(frappe.PermissionError):
		portal.reply(ticket, text)
	frappe.set_user("Administrator")
	assert comms(ticket) == 0


def test_a_reply_to_a_closed_ticket_is_refused_and_a_reply_to_a_resolved_one_reopens(two_customers):
	a, _b = two_customers
	resolve(a.ticket)
	frappe.set_user(a.user.name)
	portal.reply(a.ticket.name, "still broken")
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Ticket", a.ticket.name, "status") == "Open"
	assert comms(a.ticket.name) == 1

	ticket = resolve(a.ticket)
	ticket.status = "Closed"
	ticket.save()
	frappe.set_user(a.user.name)
	with pytest.raises(frappe.ValidationError, match="closed"):
		portal.reply(a.ticket.name, "hello?")
	with pytest.raises(frappe.ValidationError):
		portal.reply(a.ticket.name, "   ")
	frappe.set_user("Administrator")
	assert comms(a.ticket.name) == 1
	assert frappe.db.get_value("Ticket", a.ticket.name, "status") == "Closed"


# ----------------------------------------------------------------- feedback
def test_a_rating_outside_one_to_five_is_refused(two_customers):
	"""Each invalid rating in turn on the same resolved ticket (one set-up: a refused rating stores nothing,
	so the next one meets the same unrated ticket)."""
	a, _b = two_customers
	resolve(a.ticket)
	for rating in (0, 6, -1, "abc", "2.5", None, ""):
		with pytest.raises(frappe.ValidationError, match="1 to 5"):
			submit_feedback(a.ticket.name, rating, "x", token=feedback_token(a.ticket.name))
			pytest.fail(f"the rating {rating!r} was taken")
		assert not frappe.db.get_value("Ticket", a.ticket.name, "feedback_rating"), rating


def test_feedback_with_the_emailed_token_or_by_the_owner(two_customers):
	a, b = two_customers
	resolve(a.ticket)
	resolve(b.ticket)
	frappe.set_user("Guest")
	with pytest.raises(frappe.PermissionError):
		submit_feedback(a.ticket.name, 5, token="forged")
	with pytest.raises(frappe.PermissionError):
		submit_feedback(a.ticket.name, 5, token=feedback_token(b.ticket.name))
	submit_feedback(a.ticket.name, "4", "<b>quick</b> and kind", token=feedback_token(a.ticket.name))
	frappe.set_user(b.user.name)
	submit_feedback(b.ticket.name, 2, "slow")
	with pytest.raises(frappe.PermissionError):
		submit_feedback(a.ticket.name, 1)  # not theirs
	frappe.set_user("Administrator")
	got = frappe.db.get_value(
		"Ticket", a.ticket.name, ["feedback_rating", "feedback_comment", "feedback_on"], as_dict=True
	)
	assert (got.feedback_rating, got.feedback_comment) == (4, "quick and kind") and got.feedback_on
	assert frappe.db.get_value("Ticket", b.ticket.name, "feedback_rating") == 2


def test_a_ticket_is_rated_once_whoever_tries_again(two_customers):
	a, _b = two_customers
	resolve(a.ticket)
	token = feedback_token(a.ticket.name)
	frappe.set_user("Guest")
	submit_feedback(a.ticket.name, 5, "great", token=token)
	with pytest.raises(FeedbackAlreadyGiven, match="already been rated \\(5 of 5\\)"):
		submit_feedback(a.ticket.name, 1, "changed my mind", token=token)  # the same link again
	frappe.set_user(a.user.name)
	with pytest.raises(FeedbackAlreadyGiven):
		submit_feedback(a.ticket.name, 2)  # the customer's contact, logged in
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Ticket", a.ticket.name, ["feedback_rating", "feedback_comment"]) == (
		5,
		"great",
	)


def feedback_page(ticket: str) -> frappe._dict:
	"""The /support/feedback page's context for the emailed link, rendered in this process."""
	from crm_suite.www.support import feedback as page

	previous = frappe.local.form_dict
	frappe.local.form_dict = frappe._dict(ticket=ticket, token=feedback_token(ticket))
	try:
		return page.get_context(frappe._dict())
	finally:
		frappe.local.form_dict = previous


def test_rated_means_it_has_a_rating_for_the_page_the_email_and_the_endpoint(two_customers):
	"""One rule (feedback.is_rated): a rating set without `feedback_on` (an import, an agent) counts as
	rated; a `feedback_on` left without a rating does not."""
	a, b = two_customers
	frappe.db.set_single_value("Support Settings", "send_feedback_request", 0)
	resolve(a.ticket)
	resolve(b.ticket)
	frappe.db.set_single_value("Support Settings", "send_feedback_request", 1)

	frappe.db.set_value("Ticket", a.ticket.name, {"feedback_rating": 4, "feedback_on": None})
	page = feedback_page(a.ticket.name)
	assert page.already_rated and page.given_rating == 4
	assert not request_feedback(frappe.get_doc("Ticket", a.ticket.name))
	with pytest.raises(FeedbackAlreadyGiven, match="4 of 5"):
		submit_feedback(a.ticket.name, 1, token=feedback_token(a.ticket.name))
	assert frappe.db.get_value("Ticket", a.ticket.name, "feedback_rating") == 4

	frappe.db.set_value("Ticket", b.ticket.name, {"feedback_rating": 0, "feedback_on": frappe.utils.now()})
	assert not feedback_page(b.ticket.name).already_rated
	assert request_feedback(frappe.get_doc("Ticket", b.ticket.name))
	submit_feedback(b.ticket.name, 3, token=feedback_token(b.ticket.name))
	assert frappe.db.get_value("Ticket", b.ticket.name, "feedback_rating") == 3


def test_an_open_ticket_cannot_be_rated(two_customers):
	a, _b = two_customers
	with pytest.raises(frappe.ValidationError, match="resolved"):
		submit_feedback(a.ticket.name, 5, token=feedback_token(a.ticket.name))


def test_resolving_emails_a_rating_link():
	a = make_portal_customer()
	a.ticket = make_ticket(customer=a.customer.name, raised_by=a.email)
	frappe.db.set_single_value("Support Settings", "send_feedback_request", 1)
	resolve(a.ticket)
	mails = queued_mail(a.email)
	assert len(mails) == 1 and mails[0].status == "Not Sent"
	assert mails[0].subject == f"How did we do? {a.ticket.subject}"
	assert feedback_token(a.ticket.name) in mails[0].body and "rating=5" in mails[0].body
	assert frappe.db.get_value("Email Queue", mails[0].name, "reference_name") == a.ticket.name
	assert frappe.db.get_value("Ticket", a.ticket.name, "feedback_requested_on")


def test_no_rating_email_when_switched_off(two_customers):
	a, _b = two_customers
	frappe.db.set_single_value("Support Settings", "send_feedback_request", 0)
	resolve(a.ticket)
	assert not frappe.db.exists(
		"Email Queue", {"reference_doctype": "Ticket", "reference_name": a.ticket.name}
	)


# ----------------------------------------------------------------- over HTTP
def token_for(user, committed):
	secret = frappe.generate_hash(length=15)
	user.api_key = frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	return f"{user.api_key}:{secret}"


@pytest.fixture
def live(committed, server):
	a, b = make_portal_customer(), make_portal_customer()
	for party in (a, b):
		party.token = token_for(party.user, committed)
		committed(party.customer)
		committed(party.user)
		committed(party.contact)
		party.ticket = committed(make_ticket(customer=party.customer.name, raised_by=party.email))
		party.api = Api(server, party.token)
	frappe.db.commit()
	yield a, b
	# Frappe gives every new website user a Contact of its own: remove those too
	frappe.db.rollback()
	for party in (a, b):
		for contact in frappe.get_all("Contact Email", filters={"email_id": party.email}, pluck="parent"):
			if contact != party.contact.name and frappe.db.exists("Contact", contact):
				delete_for_good("Contact", contact)
	frappe.db.commit()


def test_another_customers_ticket_is_refused_over_rest_and_the_portal(live, guest_api):
	a, b = live
	assert a.api.get(f"/api/resource/Ticket/{a.ticket.name}").status_code == 200
	assert a.api.get(f"/api/resource/Ticket/{b.ticket.name}").status_code == 403
	listed = a.api.get("/api/resource/Ticket", params={"limit_page_length": 0}).json()["data"]
	assert [t["name"] for t in listed] == [a.ticket.name]
	assert a.api.put(f"/api/resource/Ticket/{a.ticket.name}", json={"status": "Closed"}).status_code == 403
	r = a.api.post(
		"/api/method/crm_suite.service.portal.reply", json={"ticket": b.ticket.name, "message": "hi"}
	)
	assert r.status_code == 403

	page = a.api.get("/support")
	assert page.status_code == 200 and a.ticket.name in page.text and b.ticket.name not in page.text
	assert a.api.get("/support/ticket", params={"name": a.ticket.name}).status_code == 200
	assert a.api.get("/support/ticket", params={"name": b.ticket.name}).status_code == 403
	assert guest_api.get("/support").status_code == 403
	assert guest_api.get(f"/api/resource/Ticket/{a.ticket.name}").status_code == 403


@pytest.fixture
def rate_limit_counters():
	"""Frappe counts rate-limited calls in Redis for an hour, per address and ticket; ticket names come
	back after a test deletes its tickets, so the counters of the tickets used are dropped afterwards."""
	tickets: list[str] = []
	yield tickets
	for ticket in tickets:
		frappe.cache.delete_keys(f"rl:crm_suite.service.feedback.submit_feedback:*:{ticket}")


SUBMIT = "/api/method/crm_suite.service.feedback.submit_feedback"


def test_feedback_over_http_with_the_emailed_link(live, guest_api, rate_limit_counters):
	a, _b = live
	rate_limit_counters.append(a.ticket.name)
	frappe.db.set_value("Ticket", a.ticket.name, "status", "Resolved")
	frappe.db.commit()
	token = feedback_token(a.ticket.name)
	page = guest_api.get("/support/feedback", params={"ticket": a.ticket.name, "token": token, "rating": 5})
	assert page.status_code == 200 and 'id="ticket-feedback"' in page.text  # not rated yet: the form
	assert (
		guest_api.get("/support/feedback", params={"ticket": a.ticket.name, "token": "x"}).status_code == 403
	)
	for rating in (9, 0, "abc"):
		bad = guest_api.post(SUBMIT, json={"ticket": a.ticket.name, "token": token, "rating": rating})
		assert bad.status_code == 417 and "1 to 5" in bad.text
	frappe.db.rollback()
	assert not frappe.db.get_value("Ticket", a.ticket.name, "feedback_on")  # nothing stored
	ok = guest_api.post(
		SUBMIT, json={"ticket": a.ticket.name, "token": token, "rating": 5, "comment": "great"}
	)
	assert ok.status_code == 200, ok.text
	again = guest_api.post(
		SUBMIT, json={"ticket": a.ticket.name, "token": token, "rating": 1, "comment": "bad"}
	)
	assert again.status_code == 409 and "already been rated" in again.text
	revisit = guest_api.get("/support/feedback", params={"ticket": a.ticket.name, "token": token})
	assert revisit.status_code == 200
	assert "You rated this ticket 5 of 5" in revisit.text and 'id="ticket-feedback"' not in revisit.text
	frappe.db.rollback()
	assert frappe.db.get_value("Ticket", a.ticket.name, ["feedback_rating", "feedback_comment"]) == (
		5,
		"great",
	)


def test_the_feedback_endpoint_is_rate_limited(live, guest_api, rate_limit_counters):
	"""Per address and ticket: after FEEDBACK_RATE_LIMIT calls in an hour, HTTP 429 whatever is sent;
	another ticket is not affected."""
	a, b = live
	rate_limit_counters.extend([a.ticket.name, b.ticket.name])
	for ticket in (a.ticket.name, b.ticket.name):
		frappe.db.set_value("Ticket", ticket, "status", "Resolved")
	frappe.db.commit()
	guessing = {"ticket": a.ticket.name, "token": "0" * 40, "rating": 5}
	codes = [guest_api.post(SUBMIT, json=guessing).status_code for _ in range(FEEDBACK_RATE_LIMIT)]
	assert codes == [403] * FEEDBACK_RATE_LIMIT
	token = feedback_token(a.ticket.name)
	limited = guest_api.post(SUBMIT, json={**guessing, "token": token})
	assert limited.status_code == 429  # even with the right link, until the hour is over
	frappe.db.rollback()
	assert not frappe.db.get_value("Ticket", a.ticket.name, "feedback_on")
	other = guest_api.post(
		SUBMIT, json={"ticket": b.ticket.name, "token": feedback_token(b.ticket.name), "rating": 4}
	)
	assert other.status_code == 200, other.text


@pytest.mark.parametrize("ticket", [None, True, False, 7, ["TKT-1"], {"name": "TKT-1"}])
@pytest.mark.parametrize(
	"call",
	[
		pytest.param(lambda api, body: api.post(SUBMIT, json=body), id="api-method"),
		pytest.param(
			lambda api, body: api.post(SUBMIT.replace("/api/method/", "/api/v2/method/"), json=body),
			id="api-v2",
		),
		pytest.param(
			lambda api, body: api.post("/", json={**body, "cmd": SUBMIT.rsplit("/", 1)[1]}), id="legacy-cmd"
		),
	],
)
def test_a_ticket_that_is_not_a_name_is_refused_before_the_rate_limiter(guest_api, ticket, call):
	"""Frappe's limiter joins the address and the `ticket` value as text: a JSON null, boolean, number,
	list or object made it fail with a 500. Frappe's own check of the argument's annotated type, or the
	endpoint itself, refuses them on every route (/api/method, v2, the legacy `cmd` call) with a message
	naming the argument (417; 400 from the app's guard)."""
	r = call(guest_api, {"ticket": ticket, "token": "0" * 40, "rating": 5})
	assert r.status_code in (400, 417), r.text
	body = r.json()
	if "errors" in body:  # API v2
		(error,) = body["errors"]
		message, exc_type = error.get("message") or error.get("exception", "").splitlines()[-1], error["type"]
	else:  # the app's message, or Frappe's own check of the argument's type (FrappeTypeError)
		message, exc_type = body.get("_server_messages") or body.get("exception", ""), body.get("exc_type")
	assert "ticket" in message.lower() and exc_type in ("ValidationError", "BadRequest", "FrappeTypeError")
