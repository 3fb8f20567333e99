"""Pure rules of SMS and WhatsApp conversations."""

from datetime import datetime, timedelta

import pytest

from crm_suite.crm.messaging_rules import (
	consent_keyword,
	conversation_key,
	hub_signature,
	next_delivery_status,
	signature_matches,
	template_components,
	whatsapp_digits,
	within_window,
)


@pytest.mark.parametrize(
	"current,new,expected",
	[
		(None, "Sent", "Sent"),
		("Sent", "Delivered", "Delivered"),
		("Delivered", "Sent", "Delivered"),  # a late report never goes backwards
		("Read", "Delivered", "Read"),
		("Sent", "Failed", "Failed"),
		("Failed", "Delivered", "Failed"),
		("Delivered", "Read", "Read"),
	],
)
def test_delivery_status_moves_forward_only(current, new, expected):
	assert next_delivery_status(current, new) == expected


@pytest.mark.parametrize(
	"text,expected",
	[
		("STOP", "Opted Out"),
		(" stop! ", "Opted Out"),
		("Basta", "Opted Out"),
		("odjava", "Opted Out"),
		("START", "Opted In"),
		("please don't stop", None),
		("stop calling me", None),
		("", None),
		(None, None),
		("Hello", None),
	],
)
def test_only_a_message_that_is_just_the_keyword_changes_consent(text, expected):
	assert consent_keyword(text) == expected


def test_the_24_hour_window():
	now = datetime(2026, 12, 5, 12, 0)
	assert within_window(now - timedelta(hours=23, minutes=59), now)
	assert not within_window(now - timedelta(hours=24), now)
	assert not within_window(None, now)


def test_hub_signature_is_meta_s_hmac_of_the_raw_body():
	body = b'{"object":"whatsapp_business_account"}'
	sig = hub_signature("secret", body)
	assert sig.startswith("sha256=") and len(sig) == 7 + 64
	assert signature_matches("secret", body, sig)
	assert not signature_matches("secret", body + b" ", sig)
	assert not signature_matches("other", body, sig)
	assert not signature_matches(None, body, sig)
	assert not signature_matches("secret", body, None)


def test_numbers_conversations_and_template_parameters():
	assert whatsapp_digits("+393331234567") == "393331234567"
	assert conversation_key("SMS", "+393331234567") == "SMS:+393331234567"
	assert conversation_key("SMS", None) is None
	assert template_components([]) == []
	assert template_components(["Ada", 3]) == [
		{"type": "body", "parameters": [{"type": "text", "text": "Ada"}, {"type": "text", "text": "3"}]}
	]
