"""A small bench of the tests' own: a MariaDB server, a Redis server, a sites folder with copies of the test
site pointing at them, and real RQ workers and gunicorn on it. The tests kill and restart these freely; the
shared MariaDB and Redis (and the test site on them) are never touched.

- MariaDB: `mariadb-install-db` into a temporary datadir once per test session (the template), copied for
  every server a module starts (own port and socket, loopback only, as the user running the tests). The
  tests' template also holds the lab site's database, loaded from the dump once per session
  (`install_site_template`): copying a datadir takes a second where loading the dump takes 10 to 15.
- Redis: `redis-server` on its own port, no persistence.
- LabBench: a folder with `sites/` (apps.txt, common_site_config.json pointing at the lab's Redis, the real
  bench's assets) where `python -m frappe.utils.bench_helper frappe ...` runs with that folder as its sites
  path, exactly as `bench` runs it from a bench's sites folder. Its sites are loaded from a dump of the test
  site's database, so they have every app table, the fixtures and the patches already.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from contextlib import closing
from pathlib import Path

import pymysql
import requests

from crm_suite.devserver import free_port
from tests.conftest import bench_path

ROOT_PASSWORD = "lab-root"  # a loopback-only throwaway server's root login (TCP); the socket needs none


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		value = predicate()
		if value:
			return value
		time.sleep(interval)
	raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def _stop_process(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
	if proc is None or proc.poll() is not None:
		return
	try:
		os.killpg(proc.pid, sig)
	except ProcessLookupError:
		return
	try:
		proc.wait(timeout=timeout)
	except subprocess.TimeoutExpired:
		os.killpg(proc.pid, signal.SIGKILL)
		proc.wait(timeout=30)


# --------------------------------------------------------------------------------------------- MariaDB
def install_mariadb_template(datadir: Path) -> Path:
	"""An initialised, empty datadir (system tables only); servers start on copies of it."""
	datadir.mkdir(parents=True)
	subprocess.run(
		[
			"mariadb-install-db",
			"--no-defaults",
			f"--datadir={datadir}",
			"--auth-root-authentication-method=normal",
			"--skip-test-db",
			"--skip-name-resolve",
		],
		check=True,
		stdout=subprocess.DEVNULL,
		stderr=subprocess.PIPE,
	)
	return datadir


def install_site_template(root: Path, template: Path, dump: Path, db_name: str, password: str) -> Path:
	"""A datadir made from `template` with `dump` loaded as `db_name` (and its login, as
	MariaDB.load_database makes them), shut down cleanly; servers start on copies of it."""
	server = MariaDB(root, template)
	server.start()
	try:
		server.load_database(db_name, password, dump)
	finally:
		server.stop()
	return server.datadir


class MariaDB:
	"""A mariadbd of the tests' own on a copy of the template datadir. `binlog` makes it a replication
	primary; `server_id` must differ between a primary and its replica."""

	def __init__(
		self, root: Path, template: Path, server_id: int = 1, binlog: bool = False, extra: Sequence[str] = ()
	):
		self.root = root
		self.extra = list(extra)
		self.datadir = root / "data"
		self.socket = str(root / "mysqld.sock")
		self.port = free_port()
		self.server_id = server_id
		self.binlog = binlog
		self.proc: subprocess.Popen | None = None
		root.mkdir(parents=True, exist_ok=True)
		shutil.copytree(template, self.datadir)

	def start(self, timeout: float = 120) -> MariaDB:
		args = [
			"mariadbd",
			"--no-defaults",
			f"--datadir={self.datadir}",
			f"--socket={self.socket}",
			f"--port={self.port}",
			"--bind-address=127.0.0.1",
			f"--pid-file={self.root / 'mysqld.pid'}",
			f"--log-error={self.root / 'error.log'}",
			f"--server-id={self.server_id}",
			"--skip-name-resolve",
			"--character-set-server=utf8mb4",
			"--collation-server=utf8mb4_unicode_ci",
			"--innodb-buffer-pool-size=256M",
			"--innodb-log-file-size=64M",
			"--innodb-flush-log-at-trx-commit=1",
			"--performance-schema=OFF",
			"--max-connections=200",
			"--innodb-lock-wait-timeout=120",
		]
		if self.binlog:
			args += [f"--log-bin={self.root / 'binlog'}", "--binlog-format=ROW", "--log-slave-updates"]
		args += self.extra
		self.proc = subprocess.Popen(
			args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
		)
		wait_for(self._answers, timeout, f"mariadbd on port {self.port} (see {self.root / 'error.log'})")
		return self

	def _answers(self) -> bool:
		if self.proc and self.proc.poll() is not None:
			raise RuntimeError(f"mariadbd exited; see {self.root / 'error.log'}")
		try:
			self.connect().close()
			return True
		except pymysql.err.OperationalError:
			return False

	def connect(self, database: str | None = None, autocommit: bool = True) -> pymysql.Connection:
		"""A root connection over the server's own socket."""
		return pymysql.connect(
			unix_socket=self.socket,
			user="root",
			password="",
			database=database,
			autocommit=autocommit,
			charset="utf8mb4",
			connect_timeout=5,
		)

	def sql(self, query: str, args=None, database: str | None = None) -> tuple:
		with closing(self.connect(database)) as conn, conn.cursor() as cur:
			cur.execute(query, args)
			return cur.fetchall()

	def set_up_root_login(self) -> None:
		"""A password root login over TCP (bench commands that need a database root user take this)."""
		self.sql(f"CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '{ROOT_PASSWORD}'")
		self.sql("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION")
		# mariadb-install-db also makes root@127.0.0.1 and root@::1 without a password, which a TCP login
		# matches before root@%: they go.
		self.sql("DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1'")

	def stop(self, sig: int = signal.SIGTERM, timeout: float = 120) -> None:
		"""SIGTERM shuts down cleanly; SIGKILL is a crash (InnoDB recovers on the next start)."""
		_stop_process(self.proc, sig, timeout)
		self.proc = None

	def load_database(self, db_name: str, password: str, dump: Path) -> None:
		"""Creates the database and its login (as Frappe names them: the user is the database name) and loads
		the dump into it."""
		for statement in (
			f"CREATE DATABASE `{db_name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
			f"CREATE USER '{db_name}'@'%' IDENTIFIED BY '{password}'",
			f"GRANT ALL PRIVILEGES ON `{db_name}`.* TO '{db_name}'@'%'",
		):
			self.sql(statement)
		with open(dump, "rb") as f:
			subprocess.run(
				["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", db_name],
				stdin=f,
				check=True,
				stderr=subprocess.PIPE,
			)

	def copy_database(self, source: str, target: str, password: str) -> None:
		"""A second database with the same content (and its own login)."""
		with tempfile.NamedTemporaryFile(suffix=".sql") as f:
			subprocess.run(
				[
					"mariadb-dump",
					"--no-defaults",
					f"--socket={self.socket}",
					"-uroot",
					"--single-transaction",
					"--quick",
					source,
				],
				stdout=f,
				check=True,
				stderr=subprocess.PIPE,
			)
			f.flush()
			self.load_database(target, password, Path(f.name))


def dump_site_database(conf: dict, target: Path) -> Path:
	"""A consistent dump of a site's database (as `bench backup` takes it), read with the site's own login."""
	args = [
		"mariadb-dump",
		"--no-defaults",
		"-u",
		conf["db_name"],
		f"-p{conf['db_password']}",
		"--single-transaction",
		"--quick",
		"--skip-lock-tables",
		"--no-tablespaces",
	]
	host = conf.get("db_host") or "127.0.0.1"  # Frappe's default host
	args += ["-h", host] + (["-P", str(conf["db_port"])] if conf.get("db_port") else [])
	with open(target, "wb") as f:
		subprocess.run([*args, conf["db_name"]], stdout=f, check=True, stderr=subprocess.PIPE)
	return target


# --------------------------------------------------------------------------------------------- Redis
class Redis:
	def __init__(self, root: Path):
		self.root = root
		self.port = free_port()
		self.proc: subprocess.Popen | None = None
		root.mkdir(parents=True, exist_ok=True)

	@property
	def url(self) -> str:
		return f"redis://127.0.0.1:{self.port}"

	def start(self) -> Redis:
		self.proc = subprocess.Popen(
			[
				"redis-server",
				"--port",
				str(self.port),
				"--bind",
				"127.0.0.1",
				"--save",
				"",
				"--appendonly",
				"no",
				"--dir",
				str(self.root),
				"--logfile",
				str(self.root / "redis.log"),
			],
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
			start_new_session=True,
		)
		wait_for(self._answers, 30, f"redis-server on port {self.port}")
		return self

	def _answers(self) -> bool:
		import redis

		try:
			return redis.Redis(port=self.port, socket_connect_timeout=1).ping()
		except redis.exceptions.ConnectionError:
			return False

	def stop(self, sig: int = signal.SIGTERM) -> None:
		_stop_process(self.proc, sig)
		self.proc = None


# --------------------------------------------------------------------------------------------- the bench
class LabBench:
	"""A sites folder of the tests' own: bench commands, workers and gunicorn run with it as their sites
	path (the current directory, as `bench` runs them), so its sites use the lab's MariaDB and Redis."""

	def __init__(self, root: Path, mariadb: MariaDB, redis: Redis):
		self.root = root
		self.sites = root / "sites"
		self.mariadb = mariadb
		self.redis = redis
		self.processes: list[subprocess.Popen] = []
		self.console: subprocess.Popen | None = None
		real_sites = bench_path() / "sites"
		self.sites.mkdir(parents=True)
		(root / "logs").mkdir()  # Frappe logs to ../logs from the sites folder
		shutil.copy(real_sites / "apps.txt", self.sites / "apps.txt")
		(self.sites / "assets").symlink_to(real_sites / "assets")
		self.write_common_config({})

	def write_common_config(self, extra: dict) -> None:
		conf = {
			"redis_cache": self.redis.url,
			"redis_queue": self.redis.url,
			"redis_socketio": self.redis.url,
			"frappe_user": os.environ.get("USER", "frappe"),
			"server_script_enabled": 1,
			**extra,
		}
		(self.sites / "common_site_config.json").write_text(json.dumps(conf, indent=1))

	def attach_site(self, site: str, db_name: str, password: str, template_conf: dict, **extra) -> dict:
		"""A site on a database the lab's MariaDB already has (its datadir was copied from a site
		template), with the source site's encryption key."""
		return self.write_site_config(site, db_name, password, template_conf, **extra)

	def add_site(self, site: str, db_name: str, dump: Path, template_conf: dict, **extra) -> dict:
		"""A site whose database is loaded from `dump`, with the source site's encryption key (so stored
		passwords decrypt) and the lab's MariaDB as its host."""
		password = f"pw-{db_name}"
		self.mariadb.load_database(db_name, password, dump)
		return self.write_site_config(site, db_name, password, template_conf, **extra)

	def clone_site(self, source_site: str, site: str, db_name: str, **extra) -> dict:
		"""A second site with a copy of `source_site`'s database (its own database and login)."""
		source = self.site_config(source_site)
		password = f"pw-{db_name}"
		self.mariadb.copy_database(source["db_name"], db_name, password)
		kept = {k: v for k, v in source.items() if k not in ("db_name", "db_password", "host_name")}
		return self.write_site_config(site, db_name, password, source, **{**kept, **extra})

	def write_site_config(self, site: str, db_name: str, password: str, template_conf: dict, **extra):
		conf = {
			"db_type": "mariadb",
			"db_host": "127.0.0.1",
			"db_port": self.mariadb.port,
			"encryption_key": template_conf.get("encryption_key"),
			**extra,
			"db_name": db_name,
			"db_password": password,
			"host_name": f"http://{site}",
		}
		(self.sites / site / "logs").mkdir(parents=True, exist_ok=True)
		for folder in ("public/files", "private/files", "private/backups"):
			(self.sites / site / folder).mkdir(parents=True, exist_ok=True)
		self.update_site_config(site, conf)
		return conf

	def site_config(self, site: str) -> dict:
		path = self.sites / site / "site_config.json"
		return json.loads(path.read_text()) if path.exists() else {}

	def update_site_config(self, site: str, values: dict) -> None:
		conf = {**self.site_config(site), **values}
		conf = {k: v for k, v in conf.items() if v is not None}
		(self.sites / site / "site_config.json").write_text(json.dumps(conf, indent=1))

	def env(self) -> dict:
		# the tests package (tests.integration.resilience.lab_tasks) importable by bench execute
		app_root = str(Path(__file__).resolve().parents[3])
		return {
			**os.environ,
			"PYTHONPATH": os.pathsep.join(filter(None, [app_root, os.environ.get("PYTHONPATH")])),
		}

	def bench(self, *args: str, site: str | None = None, timeout: float = 600, check: bool = True):
		"""`bench [--site SITE] ARGS` with the lab's sites folder."""
		cmd = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe"]
		if site:
			cmd += ["--site", site]
		result = subprocess.run(
			[*cmd, *args],
			cwd=self.sites,
			env=self.env(),
			capture_output=True,
			text=True,
			timeout=timeout,
		)
		if check and result.returncode:
			raise RuntimeError(
				f"bench {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
			)
		return result

	def execute(self, site: str, method: str, /, **kwargs):
		"""Runs METHOD(**kwargs) in the site and commits, in the bench's console process
		(tests/integration/resilience/lab_run.py, started on first use); returns the result."""
		if self.console is None or self.console.poll() is not None:
			self.console = subprocess.Popen(
				[sys.executable, "-m", "tests.integration.resilience.lab_run"],
				cwd=self.sites,
				env=self.env(),
				stdin=subprocess.PIPE,
				stdout=subprocess.PIPE,
				stderr=open(self.root / "console.log", "ab"),
				text=True,
				start_new_session=True,
			)
			self.processes.append(self.console)
		self.console.stdin.write(json.dumps({"site": site, "method": method, "kwargs": kwargs}) + "\n")
		self.console.stdin.flush()
		answer = json.loads(self.console.stdout.readline() or '{"error": "the console died"}')
		if "error" in answer:
			raise RuntimeError(f"{method} failed on {site}:\n{answer['error']}")
		return answer["result"]

	def _spawn(self, args: Sequence[str], log_name: str) -> subprocess.Popen:
		log = open(self.root / log_name, "ab")
		proc = subprocess.Popen(
			list(args),
			cwd=self.sites,
			env=self.env(),
			stdout=log,
			stderr=subprocess.STDOUT,
			start_new_session=True,  # its own process group: a kill takes the RQ work horse too
		)
		log.close()
		self.processes.append(proc)
		return proc

	def worker(self, queue: str = "long", name: str = "worker") -> subprocess.Popen:
		"""A real RQ worker (`bench worker --queue QUEUE`), in a process group of its own."""
		return self._spawn(
			[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", queue],
			f"{name}.log",
		)

	def workers(self, n: int, queue: str = "long") -> list[subprocess.Popen]:
		return [self.worker(queue, f"worker-{i}") for i in range(n)]

	def gunicorn(self, site: str, workers: int = 2, timeout: int = 120) -> str:
		"""Frappe's production web server (gunicorn on frappe.app:application); returns its base URL."""
		port = free_port()
		self._spawn(
			[
				sys.executable,
				"-m",
				"gunicorn",
				"-b",
				f"127.0.0.1:{port}",
				"-w",
				str(workers),
				"-t",
				str(timeout),
				"--preload",
				"frappe.app:application",
			],
			f"gunicorn-{port}.log",
		)
		url = f"http://127.0.0.1:{port}"

		def up():
			try:
				return requests.get(f"{url}/api/method/ping", headers={"Host": site}, timeout=5).ok
			except requests.ConnectionError:
				return False

		wait_for(up, 120, f"gunicorn on {url}")
		return url

	@staticmethod
	def kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
		"""Kill a worker (or server) and everything it started. RQ runs each job in a work horse that it
		forks into a session of its own (setsid), so the horse is not in the worker's process group: it is
		found among the worker's children and killed first (SIGKILL to the worker alone leaves the horse
		running the job to its end)."""
		import psutil

		try:
			children = psutil.Process(proc.pid).children(recursive=True)
		except psutil.NoSuchProcess:
			children = []
		for child in children:
			try:
				child.send_signal(sig)
			except psutil.NoSuchProcess:
				pass
		psutil.wait_procs(children, timeout=30)
		_stop_process(proc, sig, timeout=30)

	def stop_all(self) -> None:
		for proc in self.processes:
			_stop_process(proc)
		self.processes.clear()


def rows(conn: pymysql.Connection, query: str, args=None) -> list[tuple]:
	with conn.cursor() as cur:
		cur.execute(query, args)
		return list(cur.fetchall())


def table_state(
	mariadb: MariaDB, database: str, table: str, columns: Iterable[str], where: str = "1=1"
) -> list[tuple]:
	"""The rows of one table as a sorted list of the given columns (what two runs must agree on)."""
	cols = ", ".join(f"`{c}`" for c in columns)
	result = mariadb.sql(f"SELECT {cols} FROM `{table}` WHERE {where}", database=database)
	return sorted(tuple("" if v is None else str(v) for v in row) for row in result)
