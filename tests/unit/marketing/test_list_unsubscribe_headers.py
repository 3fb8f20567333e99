"""The List-Unsubscribe header lines survive Frappe's re-serialisation of the queued message (email policy
SMTP, 78-character lines) with the URL intact."""

import re
from email.parser import Parser
from email.policy import SMTP

import pytest

from crm_suite.marketing.unsubscribe import add_headers_to_message, list_unsubscribe_headers

MESSAGE = "From: a@example.com\nTo: <!--recipient-->\nSubject: Hello\nMIME-Version: 1.0\n\nbody\n\nmore\n"


def resent(message: str) -> str:
	"""What Frappe's SendMailContext.build_message does to the stored text before sending."""
	return Parser(policy=SMTP).parsestr(message).as_string()


@pytest.mark.parametrize(
	"url",
	[
		"https://crm.example.com/unsub/3fa81c2d9e.9b1c0e7d55aa01f2c3d4",
		"https://a-very-long-host-name.of-some-company.example.co.uk/unsub/3fa81c2d9e.9b1c0e7d55aa01f2c3d4",
	],
)
def test_headers_keep_the_url_through_resending(url):
	headers = list_unsubscribe_headers(url)
	assert all(len(line) <= 78 for line in headers.split("\n"))
	out = resent(add_headers_to_message(MESSAGE, headers))
	assert "=?utf-8?" not in out  # not re-encoded as RFC 2047 words
	parsed = Parser().parsestr(out)
	assert re.sub(r"\s+", "", parsed["List-Unsubscribe"]) == f"<{url}>"
	assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
	assert parsed.get_payload().replace("\r\n", "\n") == "body\n\nmore\n"
	assert parsed["Subject"] == "Hello"


def test_headers_go_into_the_header_block_with_its_line_ends():
	crlf = MESSAGE.replace("\n", "\r\n")
	out = add_headers_to_message(crlf, "X-A: 1\nX-B: 2")
	head, body = out.split("\r\n\r\n", 1)
	assert head.endswith("X-A: 1\r\nX-B: 2") and body == "body\r\n\r\nmore\r\n"
	with pytest.raises(ValueError):
		add_headers_to_message("no blank line", "X-A: 1")


def test_a_url_with_white_space_or_brackets_is_refused():
	for bad in ("https://x.example/a b", "https://x.example/<a>"):
		with pytest.raises(ValueError):
			list_unsubscribe_headers(bad)
