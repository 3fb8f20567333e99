"""Customer-supplied text rendered on the portal: formatting only.

A ticket's description and its messages come from customers (the portal, email-in, REST) and are shown to
the other contacts of the same customer on /support/ticket. Frappe's `sanitize_html` keeps `<form>`,
`<input>`, `<style>` and `style` attributes (it is meant for the desk's own editors), which would let one
contact put a phishing form or restyle the page for the others. Here elements that carry behaviour or
styling go with their content, everything else outside a small formatting allowlist is stripped to its
text, and links keep only http(s)/mailto targets."""

from __future__ import annotations

import bleach
from bs4 import BeautifulSoup

# Removed with everything inside them.
DROPPED = (
	"script",
	"style",
	"form",
	"iframe",
	"frame",
	"frameset",
	"object",
	"embed",
	"applet",
	"template",
	"noscript",
	"textarea",
	"select",
	"button",
	"input",
	"link",
	"meta",
	"base",
	"title",
	"head",
	"svg",
	"math",
)
ALLOWED_TAGS = frozenset(
	(
		"p",
		"br",
		"b",
		"strong",
		"i",
		"em",
		"u",
		"s",
		"sub",
		"sup",
		"ul",
		"ol",
		"li",
		"a",
		"blockquote",
		"pre",
		"code",
		"h1",
		"h2",
		"h3",
		"h4",
		"h5",
		"h6",
		"hr",
		"table",
		"thead",
		"tbody",
		"tr",
		"th",
		"td",
		"span",
		"div",
	)
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "td": ["colspan", "rowspan"], "th": ["colspan", "rowspan"]}
PROTOCOLS = frozenset(("http", "https", "mailto"))


def portal_html(html: str | None) -> str:
	"""`html` reduced to safe formatting (no forms, styles, scripts, frames, images or event handlers)."""
	if not html:
		return ""
	soup = BeautifulSoup(str(html), "html.parser")
	for element in soup.find_all(DROPPED):
		element.decompose()
	cleaned = bleach.clean(
		str(soup),
		tags=ALLOWED_TAGS,
		attributes=ALLOWED_ATTRIBUTES,
		protocols=PROTOCOLS,
		strip=True,
		strip_comments=True,
	)
	return bleach.linkify(cleaned, callbacks=[_no_follow], parse_email=False)


def _no_follow(attrs, new=False):
	attrs[(None, "rel")] = "nofollow noopener noreferrer"
	attrs[(None, "target")] = "_blank"
	return attrs
