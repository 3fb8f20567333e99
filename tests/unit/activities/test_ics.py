"""The meeting invitation (RFC 5545) against an independent reader: unfold the lines, split the
properties, unescape the text, and compare with what went in."""

from datetime import datetime

from crm_suite.activities.invitations import build_ics, escape_text, fold

KW = {
	"method": "REQUEST",
	"uid": "ACT-2026-00001@crm.example.com",
	"sequence": 2,
	"start": datetime(2026, 7, 1, 10, 0),
	"end": datetime(2026, 7, 1, 11, 30),
	"all_day": False,
	"summary": "Kick-off; scope, budget \\ timeline",
	"description": "Agenda:\n1. Intros\n2. Next steps — « ça marche » " + "x" * 120,
	"location": "Room 4, Berlin",
	"organizer": ("Ada Seller", "ada@example.com"),
	"attendees": [("Grace Buyer", "grace@customer.example")],
	"stamp": datetime(2026, 6, 20, 9, 0),
	"tz_name": "Europe/Berlin",
}


def unfold(text: str) -> list[str]:
	assert text.endswith("\r\n")
	physical = text[:-2].split("\r\n")
	assert all("\n" not in line and "\r" not in line for line in physical)
	assert all(len(line.encode()) <= 75 for line in physical)
	lines: list[str] = []
	for line in physical:
		if line.startswith(" "):
			lines[-1] += line[1:]
		else:
			lines.append(line)
	return lines


def unescape(value: str) -> str:
	out, i = [], 0
	while i < len(value):
		if value[i] == "\\" and i + 1 < len(value):
			out.append({"n": "\n", "N": "\n"}.get(value[i + 1], value[i + 1]))
			i += 2
		else:
			out.append(value[i])
			i += 1
	return "".join(out)


def props(text: str) -> dict[str, list[str]]:
	found: dict[str, list[str]] = {}
	for line in unfold(text):
		name_params, _, value = line.partition(":")
		found.setdefault(name_params, []).append(value)
	return found


def test_a_request_reads_back_as_what_went_in():
	p = props(build_ics(**KW))
	assert p["BEGIN"] == ["VCALENDAR", "VEVENT"] and p["END"] == ["VEVENT", "VCALENDAR"]
	assert p["METHOD"] == ["REQUEST"] and p["VERSION"] == ["2.0"]
	assert p["UID"] == [KW["uid"]] and p["SEQUENCE"] == ["2"]
	# Berlin is UTC+2 in July
	assert p["DTSTART"] == ["20260701T080000Z"] and p["DTEND"] == ["20260701T093000Z"]
	assert p["DTSTAMP"] == ["20260620T070000Z"]
	assert unescape(p["SUMMARY"][0]) == KW["summary"]
	assert unescape(p["DESCRIPTION"][0]) == KW["description"]
	assert unescape(p["LOCATION"][0]) == KW["location"]
	assert p['ORGANIZER;CN="Ada Seller"'] == ["mailto:ada@example.com"]
	attendee = [k for k in p if k.startswith("ATTENDEE")]
	assert attendee == ['ATTENDEE;CN="Grace Buyer";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE']
	assert p[attendee[0]] == ["mailto:grace@customer.example"]
	assert p["STATUS"] == ["CONFIRMED"]


def test_winter_time_and_all_day_and_cancel():
	winter = props(
		build_ics(**{**KW, "start": datetime(2026, 1, 5, 10, 0), "end": datetime(2026, 1, 5, 11, 0)})
	)
	assert winter["DTSTART"] == ["20260105T090000Z"]  # UTC+1
	day = props(build_ics(**{**KW, "all_day": True, "start": datetime(2026, 12, 31, 0, 0)}))
	assert day["DTSTART;VALUE=DATE"] == ["20261231"] and day["DTEND;VALUE=DATE"] == ["20270101"]
	assert "DTSTART" not in day
	cancel = props(build_ics(**{**KW, "method": "CANCEL"}))
	assert cancel["METHOD"] == ["CANCEL"] and cancel["STATUS"] == ["CANCELLED"]


def test_no_location_line_without_a_location():
	assert "LOCATION" not in props(build_ics(**{**KW, "location": ""}))


def test_folding_keeps_multibyte_characters_whole():
	line = "DESCRIPTION:" + "é" * 100
	folded = fold(line)
	parts = folded.split("\r\n ")
	assert "".join(parts) == line
	assert all(len(p.encode()) <= 75 for p in parts)
	assert fold("SHORT:1") == "SHORT:1"


def test_escape_text():
	assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
	assert unescape(escape_text("x\r\ny")) == "x\ny"
