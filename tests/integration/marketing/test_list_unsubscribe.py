"""Campaign emails carry List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click), sent through a
real SMTP server on loopback; the one-click POST works without a login, a GET or a forged token does
nothing, and the in-body link is kept, in the recipient's language. These tests commit and clean up."""

import email
import re
from email.policy import default as default_policy
from urllib.parse import urlsplit

import frappe
import pytest
import requests

from crm_suite.marketing import outreach, unsubscribe
from tests.integration.factories import delete_for_good, make_outgoing_account, unique
from tests.integration.loopback import SmtpServer
from tests.integration.marketing.test_outreach import sent_campaigns, setup_campaign  # noqa: F401

ONE_CLICK = {"List-Unsubscribe": "One-Click"}  # the body RFC 8058 mailbox providers post


@pytest.fixture
def smtp(sent_campaigns):  # noqa: F811
	"""A default outgoing Email Account pointing at an SMTP server on loopback."""
	with SmtpServer() as server:
		account = make_outgoing_account(
			unique("Campaigns "),
			f"{unique('campaigns-')}@example.com",
			smtp_server="127.0.0.1",
			smtp_port=server.port,
		)
		frappe.db.commit()
		frappe.local.outgoing_email_account = {}
		server.campaigns = sent_campaigns
		yield server
		frappe.db.rollback()
		frappe.flags.testing_email = False
		delete_for_good("Email Account", account.name)
		frappe.db.commit()
		frappe.local.outgoing_email_account = {}


def send_queue(campaign: str) -> None:
	"""Frappe's own sender (what the email queue flush runs) for the campaign's queued emails."""
	frappe.flags.testing_email = True
	for name in frappe.get_all(
		"Email Queue", {"reference_doctype": "Campaign", "reference_name": campaign}, pluck="name"
	):
		frappe.get_doc("Email Queue", name).send()
	frappe.flags.testing_email = False


def received(smtp) -> dict[str, email.message.EmailMessage]:
	return {rcpt[0]: email.message_from_string(raw, policy=default_policy) for _f, rcpt, raw in smtp.messages}


def one_click_url(message) -> str:
	"""The https/http URL of List-Unsubscribe, white space inside the brackets dropped (RFC 2369)."""
	raw = re.sub(r"\s+", "", str(message["List-Unsubscribe"]))
	urls = re.findall(r"<([^>]+)>", raw)
	assert urls, raw
	return urls[0]


def body_text(message) -> str:
	part = message.get_body(preferencelist=("html", "plain"))
	return part.get_content()


def test_campaign_emails_carry_one_click_unsubscribe_headers_on_the_wire(committed, smtp, server):
	campaign, members = setup_campaign(committed, smtp.campaigns, n_members=2)
	italian = committed(
		frappe.get_doc(
			{
				"doctype": "User",
				"email": members[0].email_id,
				"first_name": "Ada",
				"user_type": "Website User",
				"send_welcome_email": 0,
				"language": "it",
			}
		).insert(ignore_permissions=True)
	)
	frappe.db.commit()
	assert outreach.run_campaign_outreach(campaign.name)["queued"] == 2
	send_queue(campaign.name)
	mails = received(smtp)
	assert set(mails) == {m.email_id for m in members}

	urls = {}
	for member in members:
		mail = mails[member.email_id]
		assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
		urls[member.email_id] = url = one_click_url(mail)
		log = frappe.db.get_value(
			"Campaign Send Log", {"campaign": campaign.name, "recipient": member.email_id}, "name"
		)
		assert url == unsubscribe.one_click_url(log)
		# the in-body link stays (Frappe's signed link for this recipient)
		assert "frappe.email.queue.unsubscribe" in body_text(mail)
	assert urls[members[0].email_id] != urls[members[1].email_id]
	# the footer is written in each recipient's language
	italian_footer = frappe._("{0} to stop receiving emails of this type", lang="it").replace("{0}", "")
	assert italian_footer.strip() and italian_footer.strip() not in "to stop receiving emails of this type"
	assert italian_footer.strip() in body_text(mails[italian.email])
	assert italian_footer.strip() not in body_text(mails[members[1].email_id])
	assert "to stop receiving emails of this type" in body_text(mails[members[1].email_id])

	# one-click: a POST without a login or cookies (what Gmail sends) unsubscribes, a replay changes nothing
	host = {"Host": server.host}
	path = urlsplit(urls[members[0].email_id]).path
	for _attempt in range(2):
		r = requests.post(server.url + path, data=ONE_CLICK, headers=host, timeout=30)
		assert r.status_code == 200 and 'id="unsubscribed"' in r.text, r.text[:500]
	frappe.db.rollback()  # a fresh snapshot: the server committed
	assert frappe.get_all(
		"Email Unsubscribe",
		{"reference_doctype": "Campaign", "reference_name": campaign.name},
		pluck="email",
	) == [members[0].email_id]

	# a GET (a link scanner, a preview) only shows the button; a forged or unknown token changes nothing
	other = urlsplit(urls[members[1].email_id]).path
	r = requests.get(server.url + other, headers=host, timeout=30)
	assert r.status_code == 200 and 'method="post"' in r.text
	forged = other[:-1] + ("0" if other[-1] != "0" else "1")
	unknown = "/unsub/" + unsubscribe.make_token("nosuchlog1")
	for bad in (forged, unknown, "/unsub/not-a-token"):
		r = requests.post(server.url + bad, data=ONE_CLICK, headers=host, timeout=30)
		assert r.status_code == 404, (bad, r.status_code)
	frappe.db.rollback()
	assert not frappe.db.exists("Email Unsubscribe", {"email": members[1].email_id})

	# the next step skips the one who unsubscribed
	campaign.reload()
	campaign.append("schedule", {"day_offset": 1, "email_template": campaign.schedule[0].email_template})
	campaign.save()
	frappe.db.commit()
	counts = outreach.run_campaign_outreach(campaign.name)
	assert counts == {"queued": 1, "unsubscribed": 1, "failed": 0, "skipped": 0}
