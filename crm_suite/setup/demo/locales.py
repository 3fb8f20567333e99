"""What the demo data looks like per locale (`crm-suite demo --locale en|it|bs`): names, companies, cities
and streets, phone numbers, the currencies customers bill in, ticket subjects. `en` is the original data
set: its tables and random draws are unchanged, so the same seed gives the same English demo as before.
The exchange rates between the demo currencies (EUR, BAM, USD) are fixed tables, not random."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DemoLocale:
	first_names: tuple[str, ...]
	last_names: tuple[str, ...]
	company_first: tuple[str, ...]  # company name = first + second + suffix
	company_second: tuple[str, ...]
	company_suffixes: tuple[str, ...]
	cities: tuple[tuple[str, str], ...]  # (city, country)
	territories: tuple[str, ...]
	street: Callable[[random.Random], str]
	phone: Callable[[random.Random], str]
	# (currency, weight): each customer bills in one; the first is the main one (leads, campaigns)
	currencies: tuple[tuple[str, int], ...]
	ticket_subjects: tuple[str, ...]
	ticket_body: str  # "{subject}" is replaced

	@property
	def main_currency(self) -> str:
		return self.currencies[0][0]

	def currency(self, rng: random.Random) -> str:
		if len(self.currencies) == 1:  # no draw: the English data set stays as it was
			return self.main_currency
		return rng.choices([c for c, _w in self.currencies], weights=[w for _c, w in self.currencies])[0]


# Prices are list prices in USD/EUR; in BAM they are about twice the figure (1 EUR = 1.95583 BAM).
PRICE_FACTOR = {"USD": 1, "EUR": 1, "BAM": 2}

_EN_FIRST = (
	"Ada Alan Grace Linus Margaret Ken Barbara Edsger Frances Dennis Radia Tim Hedy Niklaus Katherine "
	"Donald Sophie John Mary Carlos Aiko Ravi Fatima Lars Chen Olga Mateo Amara Yusuf Ingrid Priya Kofi"
).split()
_EN_LAST = (
	"Lovelace Turing Hopper Torvalds Hamilton Thompson Liskov Dijkstra Allen Ritchie Perlman Berners-Lee "
	"Lamarr Wirth Johnson Knuth Wilson Backus Shaw Garcia Tanaka Patel Haddad Nilsson Wei Petrova Rossi "
	"Okafor Demir Larsen Iyer Mensah"
).split()
_EN_COMPANY = (
	"Acme Globex Initech Umbrella Stark Wayne Wonka Tyrell Cyberdyne Soylent Hooli Vandelay Aperture "
	"Monarch Pied Piper Massive Dynamic Gringotts Oscorp Nakatomi Zorg Virtucon Duff Krusty Ollivander"
).split()

EN = DemoLocale(
	first_names=tuple(_EN_FIRST),
	last_names=tuple(_EN_LAST),
	company_first=tuple(_EN_COMPANY),
	company_second=tuple(_EN_COMPANY),
	company_suffixes=("Ltd", "GmbH", "Inc", "Group", "Labs", "Systems", "Trading", "Partners"),
	cities=(
		("Berlin", "Germany"),
		("London", "United Kingdom"),
		("Paris", "France"),
		("New York", "United States"),
		("Toronto", "Canada"),
		("Mumbai", "India"),
		("Singapore", "Singapore"),
		("Sydney", "Australia"),
	),
	territories=("North America", "Europe", "Asia Pacific", "Rest of World"),
	street=lambda rng: f"{rng.randrange(1, 300)} Main Street",
	phone=lambda rng: f"+1{rng.choice((212, 415, 617, 646, 312, 503))}{rng.randrange(2_000_000, 9_999_999)}",
	currencies=(("USD", 1),),
	ticket_subjects=(
		"Cannot log in",
		"Invoice is wrong",
		"Delivery is late",
		"Feature request: export",
		"Error after update",
		"How do I add a user?",
		"Product arrived damaged",
		"Password reset fails",
	),
	ticket_body="<p>{subject}. Please help.</p>",
)

IT = DemoLocale(
	first_names=tuple(
		"Marco Giulia Alessandro Francesca Luca Chiara Matteo Sara Lorenzo Elena Andrea Valentina Davide "
		"Martina Simone Federica Giorgio Paola Stefano Silvia Riccardo Alessia Nicolò Beatrice".split()
	),
	last_names=(
		*"Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti".split(),
		"De Luca",
		*"Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani".split(),
	),
	company_first=(
		"Officine",
		"Costruzioni",
		"Logistica",
		"Alimentari",
		"Meccanica",
		"Ceramiche",
		"Arredamenti",
		"Trasporti",
		"Elettronica",
		"Tessitura",
		"Tecnologie",
		"Cantine",
	),
	company_second=(
		"Rossi",
		"Bianchi",
		"Lombarda",
		"Veneta",
		"Adriatica",
		"del Po",
		"Ferrari",
		"Colombo",
		"Toscana",
		"Emiliana",
		"Marino",
		"Italiana",
	),
	company_suffixes=("S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.", "& Figli S.r.l."),
	cities=(
		("Milano", "Italy"),
		("Roma", "Italy"),
		("Torino", "Italy"),
		("Napoli", "Italy"),
		("Bologna", "Italy"),
		("Firenze", "Italy"),
		("Verona", "Italy"),
		("Bari", "Italy"),
		("Padova", "Italy"),
		("Trieste", "Italy"),
		("Sarajevo", "Bosnia and Herzegovina"),  # the BAM customers' neighbours
	),
	territories=("Europe",),
	street=lambda rng: (
		f"{rng.choice(('Via Roma', 'Via Garibaldi', 'Corso Italia', 'Via Mazzini', 'Piazza Cavour', 'Viale Europa', 'Via Dante Alighieri'))} "
		f"{rng.randrange(1, 200)}"
	),
	# mobile numbers: +39 3xx and seven digits
	phone=lambda rng: (
		f"+393{rng.choice((20, 28, 33, 35, 38, 40, 47, 49))}{rng.randrange(1_000_000, 9_999_999)}"
	),
	currencies=(("EUR", 85), ("BAM", 10), ("USD", 5)),
	ticket_subjects=(
		"Non riesco ad accedere",
		"La fattura è sbagliata",
		"La consegna è in ritardo",
		"Richiesta: esportazione dei dati",
		"Errore dopo l'aggiornamento",
		"Come aggiungo un utente?",
		"Il prodotto è arrivato danneggiato",
		"Il ripristino della password non funziona",
	),
	ticket_body="<p>{subject}. Potete aiutarmi? Grazie.</p>",
)

BS = DemoLocale(
	first_names=tuple(
		"Amir Emina Adnan Lejla Haris Amra Kenan Selma Tarik Ajla Mirza Naida Dženan Merima Nermin Jasmina "
		"Edin Aida Damir Sanela Nikola Ivana Marko Ana".split()
	),
	last_names=tuple(
		"Hodžić Hadžić Begić Delić Kovačević Mehmedović Šehić Husić Ibrahimović Jukić Babić Petrović Marić "
		"Alić Omerović Softić Mujić Karić Čolić Tomić".split()
	),
	company_first=(
		"Građevina",
		"Trgovina",
		"Prevoz",
		"Elektro",
		"Metal",
		"Drvo",
		"Prehrana",
		"Tekstil",
		"Informatika",
		"Energo",
		"Agro",
		"Promet",
	),
	company_second=(
		"Bosna",
		"Neretva",
		"Una",
		"Drina",
		"Sana",
		"Vrbas",
		"Begić",
		"Hodžić",
		"Kovačević",
		"Trebević",
		"Igman",
		"Sarajevo",
	),
	company_suffixes=("d.o.o.", "d.d.", "j.d.o.o."),
	cities=(
		("Sarajevo", "Bosnia and Herzegovina"),
		("Banja Luka", "Bosnia and Herzegovina"),
		("Tuzla", "Bosnia and Herzegovina"),
		("Zenica", "Bosnia and Herzegovina"),
		("Mostar", "Bosnia and Herzegovina"),
		("Bihać", "Bosnia and Herzegovina"),
		("Bijeljina", "Bosnia and Herzegovina"),
		("Brčko", "Bosnia and Herzegovina"),
		("Zagreb", "Croatia"),  # the EUR customers
	),
	territories=("Europe",),
	street=lambda rng: (
		f"{rng.choice(('Ferhadija', 'Zmaja od Bosne', 'Maršala Tita', 'Titova', 'Kralja Tvrtka', 'Bulevar Meše Selimovića', 'Kneza Domagoja'))} "
		f"{rng.randrange(1, 200)}"
	),
	# mobile numbers: +387 6x and six or seven digits
	phone=lambda rng: f"+3876{rng.choice((1, 2, 3, 5, 6))}{rng.randrange(100_000, 9_999_999)}",
	currencies=(("BAM", 85), ("EUR", 12), ("USD", 3)),
	ticket_subjects=(
		"Ne mogu se prijaviti",
		"Faktura nije tačna",
		"Isporuka kasni",
		"Zahtjev: izvoz podataka",
		"Greška nakon ažuriranja",
		"Kako da dodam korisnika?",
		"Proizvod je stigao oštećen",
		"Poništavanje lozinke ne radi",
	),
	ticket_body="<p>{subject}. Molim vas za pomoć. Hvala.</p>",
)

LOCALES: dict[str, DemoLocale] = {"en": EN, "it": IT, "bs": BS}

_FOLD = str.maketrans({"đ": "dj", "Đ": "Dj", "ß": "ss"})


def ascii_fold(text: str) -> str:
	"""For e-mail addresses: 'Dženan Čolić' -> 'Dzenan Colic' (đ is not a composed letter: dj)."""
	decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
	return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(" ", "")


# 1 EUR = 1.95583 BAM (the currency board's fixed rate); EUR -> USD month by month (illustrative).
BAM_PER_EUR = 1.95583
USD_PER_EUR = (1.09, 1.08, 1.07, 1.085, 1.1, 1.12, 1.11, 1.13, 1.15, 1.16, 1.17, 1.165, 1.16, 1.15)


def demo_rates(start: date, end: date) -> list[tuple[str, str, date, float]]:
	"""(from, to, valid from, rate) rows covering [start - 31 days, end]: EUR -> BAM once, EUR -> USD and
	BAM -> USD (the same through the fixed rate) on the first of every month, so any of the three can be
	the reporting currency (rates are never chained at run time)."""
	first = (start - timedelta(days=31)).replace(day=1)
	rows = [("EUR", "BAM", first, BAM_PER_EUR)]
	month, n = first, 0
	while month <= end:
		usd = USD_PER_EUR[n % len(USD_PER_EUR)]
		rows.append(("EUR", "USD", month, usd))
		rows.append(("BAM", "USD", month, round(usd / BAM_PER_EUR, 9)))
		month = (month + timedelta(days=32)).replace(day=1)
		n += 1
	return rows
