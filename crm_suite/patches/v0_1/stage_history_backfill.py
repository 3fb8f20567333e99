"""Stage history for the leads and opportunities that predate it, rebuilt from their Version log
(crm_suite/sales/stage_history.py); records that have stays are skipped, so it can run again."""

from crm_suite.sales.stage_history import backfill_all


def execute():
	backfill_all()
