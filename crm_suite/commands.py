"""Bench commands of the app: `bench --site SITE crm-suite demo --seed 1 --scale small|large`."""

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
@pass_context
def demo(context, seed: int, scale: str, until: str | None):
	"""Fill the site with a year of deterministic demo data."""
	from crm_suite.setup.demo import make_demo

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		result = make_demo(seed=seed, scale=scale, until=until)
		frappe.db.commit()
	finally:
		frappe.destroy()
	for doctype, count in result.counts.items():
		click.echo(f"{doctype:>18}: {count:>7,}")
	click.secho(f"Demo data ({scale}, seed {seed}) made in {result.seconds:.1f} s", fg="green")


commands = [crm_suite]
