"""The demo's locale tables (crm_suite/setup/demo/locales.py): no site needed."""

import random
from datetime import date

from crm_suite.crm.money import rate_on
from crm_suite.setup.demo.locales import BS, EN, IT, LOCALES, ascii_fold, demo_rates


def test_ascii_fold_makes_mail_safe_names():
	assert ascii_fold("Dženan") == "Dzenan"
	assert ascii_fold("Čolić") == "Colic"
	assert ascii_fold("Đurić") == "Djuric"
	assert ascii_fold("De Luca") == "DeLuca"
	assert ascii_fold("Nicolò") == "Nicolo"


def test_phone_numbers_carry_the_country_code():
	rng = random.Random(1)
	assert all(IT.phone(rng).startswith("+393") for _ in range(50))
	assert all(BS.phone(rng).startswith("+3876") for _ in range(50))
	assert all(EN.phone(rng).startswith("+1") for _ in range(50))


def test_customers_bill_mostly_in_the_main_currency():
	for locale, main in ((IT, "EUR"), (BS, "BAM")):
		rng = random.Random(3)
		drawn = [locale.currency(rng) for _ in range(1000)]
		assert locale.main_currency == main
		assert drawn.count(main) > 700 and {"EUR", "BAM"} <= set(drawn) <= {"EUR", "BAM", "USD"}


def test_the_english_locale_draws_no_currency():
	rng = random.Random(5)
	state = rng.getstate()
	assert EN.currency(rng) == "USD" and rng.getstate() == state  # same seed, same English demo


def test_demo_rates_cover_the_whole_year_for_each_pair():
	start, end = date(2025, 7, 1), date(2026, 6, 30)
	rows = demo_rates(start, end)
	for pair in (("EUR", "BAM"), ("EUR", "USD"), ("BAM", "USD")):
		rates = [(d, r) for f, t, d, r in rows if (f, t) == pair]
		assert rate_on(rates, start) and rate_on(rates, end), pair
	eur_usd = dict(((d, r) for f, t, d, r in rows if (f, t) == ("EUR", "USD")))
	bam_usd = dict(((d, r) for f, t, d, r in rows if (f, t) == ("BAM", "USD")))
	assert all(abs(bam_usd[d] * 1.95583 - eur_usd[d]) < 1e-6 for d in eur_usd)


def test_every_locale_is_complete():
	assert set(LOCALES) == {"en", "it", "bs"}
	for locale in LOCALES.values():
		assert locale.first_names and locale.last_names and locale.cities and locale.ticket_subjects
		assert "{subject}" in locale.ticket_body
