"""Bench commands of the app: `bench --site SITE crm-suite demo --seed 1 --scale small|large --locale en|it|bs
[--country C --language L --time-zone TZ]`,
`bench crm-suite untranslated` (docs/i18n.md)."""

import click
import frappe
from frappe.commands import get_site, pass_context


@click.group("crm-suite")
def crm_suite():
	"""CRM Suite commands."""


@crm_suite.command("demo")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same data")
@click.option("--scale", default="small", show_default=True, type=click.Choice(["small", "large"]))
@click.option("--until", default=None, help="Last day of the demo year (YYYY-MM-DD); default today")
@click.option(
	"--locale",
	default="en",
	show_default=True,
	type=click.Choice(["en", "it", "bs"]),
	help="Names, companies, places, phone numbers (+39, +387) and currencies (EUR, BAM) of the data",
)
@click.option(
	"--skip-nightly", is_flag=True, help="Don't run the nightly analytics and scoring jobs afterwards"
)
@click.option(
	"--country",
	default=None,
	help="Country of the setup wizard the demo finishes (default: the locale's: United States, Italy, "
	"Bosnia and Herzegovina); its time zone, date and number formats follow",
)
@click.option(
	"--language",
	default=None,
	help="Language code of the site (System Settings; default: the locale's: en, it, bs)",
)
@click.option(
	"--time-zone",
	default=None,
	help="Time zone of the site (default: the country's: America/New_York, Europe/Rome, Europe/Sarajevo)",
)
@click.option(
	"--keep-setup-wizard",
	is_flag=True,
	help="Leave Frappe's setup wizard unfinished (by default the demo finishes it: the desk opens on CRM)",
)
@pass_context
def demo(
	context,
	seed: int,
	scale: str,
	until: str | None,
	locale: str,
	skip_nightly: bool,
	country: str | None,
	language: str | None,
	time_zone: str | None,
	keep_setup_wizard: bool,
):
	"""Fill the site with a year of deterministic demo data."""
	from crm_suite.setup.demo import make_demo
	from crm_suite.setup.install import complete_setup_wizard, set_crm_home, setup_wizard_args

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		try:  # the language is checked against the site's Language list
			wizard = setup_wizard_args(locale, country=country, language=language, time_zone=time_zone)
		except ValueError as e:
			raise click.BadParameter(str(e)) from e
		if not keep_setup_wizard and complete_setup_wizard(**wizard):
			click.echo("Frappe's setup wizard finished ({country}, {timezone}, {language})".format(**wizard))
		if not keep_setup_wizard:
			set_crm_home()
		result = make_demo(seed=seed, scale=scale, until=until, locale=locale)
		frappe.db.commit()
		for doctype, count in result.counts.items():
			click.echo(f"{doctype:>18}: {count:>7,}")
		click.secho(
			f"Demo data ({scale}, seed {seed}, locale {locale}) made in {result.seconds:.1f} s", fg="green"
		)
		if not skip_nightly:
			run_nightly_jobs()
	finally:
		frappe.destroy()


def run_nightly_jobs() -> None:
	"""Run the app's nightly long jobs once (RFM, basket rules, lead scores), so the reports have data."""
	import time

	# The nightly lead scoring queues one job per chunk; here the chunks run in this process instead.
	in_process = {"crm_suite.sales.scoring.update_lead_scores": "crm_suite.sales.scoring.score_open_leads"}
	for method in frappe.get_hooks("scheduler_events", app_name="crm_suite").get("daily_long", []):
		started = time.monotonic()
		frappe.get_attr(in_process.get(method, method))()
		frappe.db.commit()
		click.echo(f"{method}: {time.monotonic() - started:.1f} s")


@crm_suite.command("untranslated")
@click.option("--locale", multiple=True, help="Only this locale (repeatable); default: it and bs")
def untranslated(locale: tuple[str, ...]):
	"""List the messages of a freshly extracted template without an Italian or Bosnian translation.

	Exits 1 when any is missing (docs/i18n.md: run it after `bench generate-pot-file --app crm_suite`
	and `bench update-po-files --app crm_suite`)."""
	from crm_suite.utils.i18n import LOCALES, report

	frappe.init("")
	try:
		text, ok = report(locales=locale or LOCALES)
	finally:
		frappe.destroy()
	click.echo(text)
	if not ok:
		raise SystemExit(1)


commands = [crm_suite]
