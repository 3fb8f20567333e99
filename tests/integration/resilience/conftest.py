"""The lab the resilience tests break: the MariaDB template with the test site's database loaded (from a
dump of it) is made once per session; each module starts its own servers on copies of it (fixtures with
scope="module") and stops them at its end."""

import shutil
import tempfile
from pathlib import Path

import frappe
import pytest
import redis
from frappe.utils.background_jobs import generate_qname
from rq import Queue
from rq.registry import FailedJobRegistry, StartedJobRegistry

from tests.integration.resilience import lab


@pytest.fixture(scope="session")
def lab_root():
	root = Path(tempfile.mkdtemp(prefix="crm-lab-"))
	yield root
	shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def mariadb_template(lab_root):
	return lab.install_mariadb_template(lab_root / "template")


@pytest.fixture(scope="session")
def site_dump(lab_root, site):
	"""The test site's committed database: every doctype's table, the fixtures, the patch log."""
	return lab.dump_site_database(dict(frappe.conf), lab_root / "site.sql")


@pytest.fixture(scope="session")
def site_template(lab_root, mariadb_template, site_dump):
	"""A datadir with the test site's database loaded as the lab site's (Lab.DB_NAME)."""
	return lab.install_site_template(
		lab_root / "site-template", mariadb_template, site_dump, Lab.DB_NAME, Lab.DB_PASSWORD
	)


class Lab:
	"""One module's servers and bench, and the RQ view of its long queue."""

	SITE = "lab.localhost"
	DB_NAME, DB_PASSWORD = "lab_site", "pw-lab_site"

	def __init__(self, root: Path, template: Path, server_id: int = 1, binlog: bool = False):
		"""`template`: a datadir holding the lab site's database (the site_template fixture)."""
		self.mariadb = lab.MariaDB(root / "mariadb", template, server_id=server_id, binlog=binlog)
		self.redis = lab.Redis(root / "redis")
		self.bench = None
		try:
			self.mariadb.start()
			self.mariadb.set_up_root_login()
			self.redis.start()
			self.bench = lab.LabBench(root / "bench", self.mariadb, self.redis)
			self.conf = self.bench.attach_site(self.SITE, self.DB_NAME, self.DB_PASSWORD, dict(frappe.conf))
		except BaseException:
			self.stop()  # no server outlives a lab that failed to start
			raise

	@property
	def db(self) -> str:
		return self.conf["db_name"]

	def queue(self) -> Queue:
		return Queue(generate_qname("long"), connection=redis.from_url(self.redis.url))

	def failed_jobs(self) -> set[str]:
		return set(FailedJobRegistry(queue=self.queue()).get_job_ids())

	def failures(self, ids=None) -> str:
		"""The tracebacks of failed jobs (for assertion messages)."""
		from rq.job import Job

		conn = redis.from_url(self.redis.url)
		return "\n".join(
			f"{job_id}: {(Job.fetch(job_id, connection=conn).exc_info or '')[-1500:]}"
			for job_id in (ids if ids is not None else self.failed_jobs())
		)

	def idle(self) -> bool:
		q = self.queue()
		return q.count == 0 and StartedJobRegistry(queue=q).count == 0

	def wait_idle(self, timeout: float = 300) -> None:
		"""Until the long queue is empty and no job runs, seen twice a second apart (a job between the
		queue and the started registry is in neither for a moment)."""
		import time

		def settled():
			if self.idle():
				time.sleep(1)
				return self.idle()
			return False

		lab.wait_for(settled, timeout, "the long queue to be empty and no job running", interval=0.3)

	def forget_dead_jobs(self) -> None:
		"""What RQ's registry maintenance does once a dead worker's heartbeat has expired (90 s after its
		last one): the job it held is moved from Started to Failed, so the scheduler may queue it again."""
		import time

		StartedJobRegistry(queue=self.queue()).cleanup(timestamp=time.time() + 3600)

	def stop(self) -> None:
		try:
			if self.bench:
				self.bench.stop_all()
		finally:
			try:
				self.redis.stop()
			finally:
				self.mariadb.stop()


@pytest.fixture(scope="module")
def lab_factory(lab_root, site_template, request):
	"""lab_factory(name, **kw) -> a Lab of this module, stopped when the module ends."""
	labs: list[Lab] = []

	def make(name: str = "lab", **kw) -> Lab:
		root = lab_root / f"{request.module.__name__.rsplit('.', 1)[-1]}-{name}"
		made = Lab(root, site_template, **kw)
		labs.append(made)
		return made

	yield make
	for made in labs:
		try:
			made.stop()
		except Exception:  # the next lab is stopped all the same
			pass
