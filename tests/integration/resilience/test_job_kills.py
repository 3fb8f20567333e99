"""A worker killed with SIGKILL in the middle of a long job: the rerun ends with the same result as an
uninterrupted run, and no mail is queued twice.

The lab has two sites on its own MariaDB, with the same data (the small demo plus an outreach campaign):
`ref.localhost` runs every job once, uninterrupted; `lab.localhost` runs each job on a real RQ worker
(`bench worker --queue long`) that is killed with SIGKILL, worker and work horse together, while the job
is half-way through its writes. The kill point is made certain, not guessed: the test's own session holds
a row lock the job needs half-way (a customer in the middle of the RFM write, the settings row the basket
job stamps last, a lead of a middle scoring chunk, a ticket of the SLA recompute, the send-log row of a
recipient in the third outreach chunk), waits until the job's session waits for it, reads the job's
uncommitted writes (READ UNCOMMITTED) to show it was mid-way, and kills the worker. Then the job runs
again as the scheduler (or the desk) queues it, on a new worker, and the two sites are compared table by
table on every column the jobs write (timestamps of the run and generated names aside)."""

import pymysql
import pytest

from tests.integration.resilience import lab as lab_mod
from tests.integration.resilience.conftest import Lab

REF = "ref.localhost"
TASKS = "tests.integration.resilience.lab_tasks"
RFM = "crm_suite.analytics.rfm.run_nightly"
BASKET = "crm_suite.analytics.basket.run_scheduled"
SCORING = "crm_suite.sales.scoring.update_lead_scores"
CHUNK = 100  # leads per scoring job here: the demo's ~600 open leads make several chunk jobs
MAILS = 20  # recipients per committed outreach chunk here: the campaign's ~130 New leads make several
TICKETS = 30  # tickets per committed SLA recompute chunk here

# Columns that say when a run happened, or names drawn from sequences and hashes: not part of a result.
VOLATILE = {
	"name",
	"creation",
	"modified",
	"rfm_updated_on",
	"score_updated_on",
	"computed_on",
	"changed_on",
	"sent_on",
	"email_queue",
	"parent",
	"message",
	"message_id",
}


@pytest.fixture(scope="module")
def jobs_lab(lab_factory):
	the_lab: Lab = lab_factory("jobs")
	the_lab.bench.update_site_config(
		the_lab.SITE,
		{"lead_score_chunk_size": CHUNK, "outreach_chunk_size": MAILS, "sla_recompute_chunk_size": TICKETS},
	)
	seeded = the_lab.bench.execute(the_lab.SITE, f"{TASKS}.seed")
	the_lab.bench.clone_site(the_lab.SITE, REF, "ref_site")
	the_lab.ref_db = "ref_site"
	the_lab.seeded = seeded
	# The same edit on both sites before the SLA recompute: the agreement's hours start an hour earlier.
	for db in (the_lab.db, the_lab.ref_db):
		the_lab.mariadb.sql(
			"UPDATE `tabSLA Service Hours` SET start_time = '08:00:00' WHERE parent = %s",
			(seeded["sla"],),
			database=db,
		)
	# No lead scored yet on either site: a scored lead has a score_updated_on.
	for db in (the_lab.db, the_lab.ref_db):
		the_lab.mariadb.sql("UPDATE `tabLead` SET score_updated_on = NULL", database=db)
	# The uninterrupted runs, on the reference site, by a real worker.
	worker = the_lab.bench.worker(name="ref-worker")
	for method in (RFM, BASKET, SCORING):
		assert the_lab.bench.execute(REF, f"{TASKS}.enqueue_scheduled", method=method)
	the_lab.bench.execute(REF, f"{TASKS}.enqueue_recompute", sla=seeded["sla"])
	the_lab.bench.execute(REF, f"{TASKS}.enqueue_outreach", campaign=seeded["campaign"])
	the_lab.wait_idle()
	the_lab.bench.kill(worker)
	assert not the_lab.failed_jobs(), the_lab.failures()
	return the_lab


def same_table(the_lab: Lab, table: str, where: str = "1=1") -> list[tuple]:
	"""The table's rows on both sites (every column but VOLATILE); asserts they are equal."""
	columns = [
		c
		for (c,) in the_lab.mariadb.sql(
			"SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
			"ORDER BY ordinal_position",
			(the_lab.db, table),
		)
		if c not in VOLATILE
	]
	faulted = lab_mod.table_state(the_lab.mariadb, the_lab.db, table, columns, where)
	reference = lab_mod.table_state(the_lab.mariadb, the_lab.ref_db, table, columns, where)
	assert faulted == reference, f"{table} differs from the uninterrupted run"
	return faulted


def kill_half_way(the_lab: Lab, lock_sql: str, lock_args, enqueue, progress_sql: str) -> tuple[int, int]:
	"""Hold `lock_sql`'s lock, queue the job (`enqueue()`), wait until the job's session waits for the
	lock, count `progress_sql` committed and as the job has written it so far, SIGKILL the worker, release
	the lock and wait until the job's orphaned transaction is rolled back. Returns (committed, written)."""
	holder = the_lab.mariadb.connect(the_lab.db, autocommit=False)
	worker = None
	try:
		with holder.cursor() as cur:
			cur.execute(lock_sql, lock_args)
			assert cur.fetchall() or lock_sql.lstrip().upper().startswith("INSERT")
		worker = the_lab.bench.worker(name="victim")
		assert enqueue()
		lab_mod.wait_for(lambda: job_sessions(the_lab, "LOCK WAIT"), 240, "the job to wait for the held lock")
		committed = count(the_lab, progress_sql, "READ COMMITTED")
		written = count(the_lab, progress_sql, "READ UNCOMMITTED")
		the_lab.bench.kill(worker)  # SIGKILL to the worker's process group: worker and work horse
	finally:
		holder.rollback()
		holder.close()
		if worker:
			the_lab.bench.kill(worker)
	# The server only notices the dead client when the statement ends; then it rolls the transaction back.
	lab_mod.wait_for(lambda: not job_sessions(the_lab), 240, "the killed job's transaction to end")
	assert count(the_lab, progress_sql, "READ COMMITTED") == committed, "the killed job committed later"
	return committed, written


def job_sessions(the_lab: Lab, state: str | None = None) -> int:
	"""Open InnoDB transactions of the lab site's database login (the workers'), in `state` if given."""
	condition = "AND t.trx_state = %s" if state else ""
	return the_lab.mariadb.sql(
		f"""SELECT COUNT(*) FROM information_schema.innodb_trx t
		JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id
		WHERE p.user = %s {condition}""",
		(the_lab.db, state) if state else (the_lab.db,),
	)[0][0]


def count(the_lab: Lab, query: str, isolation: str) -> int:
	with (
		pymysql.connect(
			unix_socket=the_lab.mariadb.socket, user="root", password="", database=the_lab.db
		) as conn,
		conn.cursor() as cur,
	):
		cur.execute(f"SET SESSION TRANSACTION ISOLATION LEVEL {isolation}")
		cur.execute(query)
		return int(cur.fetchone()[0] or 0)


def rerun(the_lab: Lab, enqueue) -> None:
	"""The job again, as it is queued after a crash: RQ's maintenance has moved the dead job to Failed
	(until then the scheduler's and the desk's de-duplication keep a second copy out), a new worker."""
	the_lab.forget_dead_jobs()
	failed = the_lab.failed_jobs()
	worker = the_lab.bench.worker(name="rerun")
	try:
		assert enqueue()
		the_lab.wait_idle()
	finally:
		the_lab.bench.kill(worker)
	new = the_lab.failed_jobs() - failed
	assert not new, the_lab.failures(new)


def middle(the_lab: Lab, query: str) -> str:
	names = [n for (n,) in the_lab.mariadb.sql(query, database=the_lab.db)]
	return names[len(names) // 2]


def enqueue_scheduled(the_lab: Lab, method: str):
	return lambda: the_lab.bench.execute(the_lab.SITE, f"{TASKS}.enqueue_scheduled", method=method)


def test_rfm_killed_while_writing_scores(jobs_lab):
	customer = middle(jobs_lab, "SELECT name FROM `tabCustomer` ORDER BY name")
	committed, written = kill_half_way(
		jobs_lab,
		"SELECT name FROM `tabCustomer` WHERE name = %s FOR UPDATE",
		(customer,),
		enqueue_scheduled(jobs_lab, RFM),
		"SELECT COUNT(*) FROM `tabCustomer Segment History`",
	)
	assert committed == 0 < written  # half the customers' segment changes written, none committed
	rerun(jobs_lab, enqueue_scheduled(jobs_lab, RFM))
	history = same_table(jobs_lab, "tabCustomer Segment History")  # one change per customer, not two
	assert len(history) == len({row[0:1] + row[1:] for row in history}) > 0
	scored = same_table(jobs_lab, "tabCustomer")
	assert any("Champions" in row for row in scored)


def test_basket_killed_before_its_commit(jobs_lab):
	committed, written = kill_half_way(
		jobs_lab,
		"SELECT field FROM `tabSingles` WHERE doctype = 'Analytics Settings' FOR UPDATE",
		(),
		enqueue_scheduled(jobs_lab, BASKET),
		"SELECT COUNT(*) FROM `tabAssociation Rule`",
	)
	assert committed == 0 < written  # every rule counted and inserted, nothing committed
	rerun(jobs_lab, enqueue_scheduled(jobs_lab, BASKET))
	assert len(same_table(jobs_lab, "tabAssociation Rule")) == written


def test_lead_scoring_killed_in_a_middle_chunk(jobs_lab):
	lead = middle(
		jobs_lab,
		"SELECT name FROM `tabLead` WHERE status IN ('New', 'Contacted', 'Qualified') ORDER BY name",
	)
	scored = "SELECT COUNT(*) FROM `tabLead` WHERE score_updated_on IS NOT NULL"
	committed, written = kill_half_way(
		jobs_lab,
		"SELECT name FROM `tabLead` WHERE name = %s FOR UPDATE",
		(lead,),
		enqueue_scheduled(jobs_lab, SCORING),
		scored,
	)
	assert 0 < committed < written < jobs_lab.seeded["open_leads"]  # earlier chunks committed
	assert committed % CHUNK == 0  # chunk jobs, each committed whole
	rerun(jobs_lab, enqueue_scheduled(jobs_lab, SCORING))
	assert count(jobs_lab, scored, "READ COMMITTED") == jobs_lab.seeded["open_leads"]
	same_table(jobs_lab, "tabLead")
	same_table(
		jobs_lab, "tabSingles", "doctype = 'CRM Settings' AND field NOT IN ('model_updated_on', 'modified')"
	)


def test_sla_recompute_killed_while_writing_deadlines(jobs_lab):
	sla = jobs_lab.seeded["sla"]
	ticket = middle(jobs_lab, "SELECT name FROM `tabTicket` WHERE status != 'Closed' ORDER BY name")
	enqueue = lambda: jobs_lab.bench.execute(jobs_lab.SITE, f"{TASKS}.enqueue_recompute", sla=sla)  # noqa: E731
	# a checksum of every ticket's deadlines and status
	moved = """SELECT SUM(CRC32(CONCAT_WS('|', name, response_by, resolution_by, agreement_status)))
		FROM `tabTicket`"""
	before = count(jobs_lab, moved, "READ COMMITTED")
	committed, written = kill_half_way(
		jobs_lab, "SELECT name FROM `tabTicket` WHERE name = %s FOR UPDATE", (ticket,), enqueue, moved
	)
	# Earlier chunks committed; the chunk under way shows nothing even uncommitted: MariaDB's UPDATE … JOIN
	# locks the rows it will change before it changes any.
	assert committed != before
	rerun(jobs_lab, enqueue)
	same_table(jobs_lab, "tabTicket")


def test_outreach_killed_in_the_third_chunk_queues_each_mail_once(jobs_lab):
	campaign = jobs_lab.seeded["campaign"]
	step, recipient = jobs_lab.mariadb.sql(
		"""SELECT s.name, LOWER(l.email_id) FROM `tabCampaign Schedule Step` s, `tabLead` l
		WHERE s.parent = %s AND IFNULL(l.email_id, '') != '' AND l.status = 'New'
		ORDER BY l.name LIMIT 1 OFFSET %s""",
		(campaign, 2 * MAILS + MAILS // 2),
		database=jobs_lab.db,
	)[0]
	enqueue = lambda: jobs_lab.bench.execute(jobs_lab.SITE, f"{TASKS}.enqueue_outreach", campaign=campaign)  # noqa: E731
	logs = "SELECT COUNT(*) FROM `tabCampaign Send Log`"
	committed, written = kill_half_way(
		jobs_lab,
		"""INSERT INTO `tabCampaign Send Log` (name, campaign, schedule_step, recipient, status)
		VALUES ('lab-lock', %s, %s, %s, 'Queued')""",
		(campaign, step, recipient),
		enqueue,
		logs,
	)
	assert committed == 2 * MAILS < written  # two chunks committed, the third under way
	rerun(jobs_lab, enqueue)
	same_table(jobs_lab, "tabCampaign Send Log")
	same_table(jobs_lab, "tabCampaign Schedule Step")
	per_recipient = jobs_lab.mariadb.sql(
		"""SELECT r.recipient, COUNT(*) FROM `tabEmail Queue Recipient` r
		JOIN `tabEmail Queue` q ON q.name = r.parent
		WHERE q.reference_doctype = 'Campaign' AND q.reference_name = %s
		GROUP BY r.recipient""",
		(campaign,),
		database=jobs_lab.db,
	)
	assert len(per_recipient) == jobs_lab.seeded["members"]
	assert {n for _r, n in per_recipient} == {1}  # nobody gets the mail twice
	same_table(jobs_lab, "tabEmail Queue Recipient")
