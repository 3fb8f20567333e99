"""Inbound mail decoding on raw bytes: every character of subjects, names, file names and bodies."""

import email

import pytest

from crm_suite.service.inbound_mail.decoding import decode_header_value, decode_text, known_charset


def header(raw: bytes, name: str = "Subject", fallback: str | None = None) -> str:
	message = email.message_from_bytes(raw + b"\r\n\r\nbody\r\n")
	return decode_header_value(message.get(name), fallback)


@pytest.mark.parametrize(
	"raw, expected",
	[
		# only the accented word encoded (Frappe 15 kept "Stampante non funziona")
		(b"Subject: Stampante non funziona =?utf-8?q?pi=C3=B9?=", "Stampante non funziona più"),
		(b"Subject: Re: Stampante non funziona =?utf-8?q?pi=C3=B9?=", "Re: Stampante non funziona più"),
		# Frappe's own outgoing mail writes a name this way
		(b"Subject: Offerta per Lejla =?utf-8?q?Hod=C5=BEi=C4=87?=", "Offerta per Lejla Hodžić"),
		(b"Subject: =?utf-8?q?Offerta_per?= Lejla =?utf-8?q?Hod=C5=BEi=C4=87?=", "Offerta per Lejla Hodžić"),
		# a whole encoded subject, Latin-2 and Windows-1250
		(b"Subject: =?ISO-8859-2?Q?Ra=E8un_nije_ta=E8an?=", "Račun nije tačan"),
		(b"Subject: =?windows-1250?B?UmHodW4gbmlqZSB0YehhbiDwxg==?=", "Račun nije tačan đĆ"),
		# mixed charsets in one header, folded over two lines, adjacent encoded words joined
		(
			b"Subject: =?iso-8859-2?q?Ra=E8un?= i\r\n =?utf-8?b?ZmFrdHVyYSDEjWHFoQ==?=\r\n =?utf-8?q?_pi=C3=B9?=",
			"Račun i faktura čaš più",
		),
		# raw 8-bit UTF-8 in the header
		("Subject: Račun nije tačan, più".encode(), "Račun nije tačan, più"),
		# an unknown charset label: the bytes are still read
		(b"Subject: =?x-bogus?q?pi=C3=B9?=", "più"),
		# folded plain subject
		(b"Subject: A long\r\n subject", "A long subject"),
	],
)
def test_subjects_keep_every_character(raw, expected):
	assert header(raw) == expected


def test_raw_8bit_header_in_the_body_charset():
	raw = "Subject: Račun nije tačan".encode("windows-1250")
	assert header(raw, fallback="windows-1250") == "Račun nije tačan"
	# without a hint the text is still all there (no replacement character, no dropped letters)
	assert len(header(raw)) == len("Račun nije tačan") and "\ufffd" not in header(raw)


def test_sender_names():
	assert header(b"From: =?utf-8?q?Lejla_Hod=C5=BEi=C4=87?= <l@example.com>", "From") == (
		"Lejla Hodžić <l@example.com>"
	)
	assert (
		header(b"From: Mario =?iso-8859-1?q?Ros=E0?= <m@example.com>", "From") == "Mario Rosà <m@example.com>"
	)
	# raw 8-bit names, UTF-8 and (with the body's charset as the hint) Windows-1250
	assert header("From: Đurđa Šišić <d@example.com>".encode(), "From") == "Đurđa Šišić <d@example.com>"
	raw = "From: Đurđa Šišić <d@example.com>".encode("windows-1250")
	assert header(raw, "From", fallback="windows-1250") == "Đurđa Šišić <d@example.com>"


@pytest.mark.parametrize(
	"text, declared",
	[
		("Račun nije tačan. Šđčćž ŠĐČĆŽ", "iso-8859-2"),
		("Račun nije tačan. Šđčćž ŠĐČĆŽ", "windows-1250"),
		("La stampante non funziona più, perché?", "iso-8859-1"),
		("La stampante non funziona più, perché? Račun", "utf-8"),
	],
)
def test_bodies_in_their_declared_charset(text, declared):
	assert decode_text(text.encode(declared), declared) == text


def test_bodies_in_a_wrong_or_missing_charset():
	text = "Račun nije tačan, più"
	# UTF-8 labelled Latin-2 (valid multi-byte UTF-8 is not meant as Latin-2)
	assert decode_text(text.encode(), "iso-8859-2") == text
	# Windows-1250 labelled UTF-8: Frappe dropped the letters; here the mail's other charset is used,
	# or a guess from the bytes
	decoded = decode_text("Račun nije tačan".encode("windows-1250"), "utf-8", fallback="windows-1250")
	assert decoded == "Račun nije tačan"
	assert decode_text("Račun nije tačan".encode("windows-1250"), "utf-8") == "Račun nije tačan"
	# no charset, unknown charset
	assert decode_text(text.encode(), None) == text
	assert decode_text(text.encode(), "x-bogus") == text
	assert "\ufffd" not in decode_text("Račun nije tačan".encode("windows-1250"), "utf-8")


def test_charset_labels():
	assert known_charset("UTF8") == "utf-8"
	assert known_charset('"ISO-8859-2"') == "iso8859-2"
	assert known_charset("unknown-8bit") is None
	assert known_charset("x-bogus") is None
	assert known_charset(None) is None
