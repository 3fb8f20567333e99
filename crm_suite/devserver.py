"""A site connection and a live Frappe web server on a free loopback port, for the integration tests
(tests/integration/conftest.py) and the benchmark scripts (benchmarks/*.py): one copy of how they start.

Never imported by the app at run time.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path


def bench_folder() -> Path:
	"""The bench this interpreter belongs to: apps/frappe/frappe/__init__.py is four levels down."""
	import frappe

	return Path(frappe.__file__).resolve().parents[3]


def connect(site: str):
	"""Connect this process to the site as Administrator (the working directory becomes `sites`)."""
	import frappe

	os.chdir(bench_folder() / "sites")
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	return frappe


def free_port() -> int:
	with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def frappe_command(*args: str, site: str | None = None) -> list[str]:
	"""`bench [--site SITE] ARGS` as this bench's interpreter runs it (Frappe's bench_helper), to run in
	the bench's `sites` folder: a worker, `execute`, `serve`."""
	return (
		[sys.executable, "-m", "frappe.utils.bench_helper", "frappe"]
		+ (["--site", site] if site else [])
		+ list(args)
	)


def start_command(*args: str, site: str | None = None) -> subprocess.Popen:
	"""`frappe_command(*args)` started in the bench's `sites` folder, its output discarded; the caller
	stops it (terminate, or SIGKILL to play a killed worker)."""
	return subprocess.Popen(
		frappe_command(*args, site=site),
		cwd=bench_folder() / "sites",
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)


def server_command(site: str, port: int, workers: int = 0) -> list[str]:
	"""`workers` 0: werkzeug as `bench serve` runs it, one request at a time; else gunicorn with that many
	workers, as production runs it."""
	if workers:
		gunicorn = str(Path(sys.executable).with_name("gunicorn"))
		return [gunicorn, "-b", f"127.0.0.1:{port}", "-w", str(workers), "-t", "120"] + [
			"frappe.app:application",
			"--preload",
		]
	return frappe_command("serve", "--port", str(port), "--noreload", "--nothreading", site=site)


_SERVERS: dict[str, subprocess.Popen] = {}  # url -> the process `serve` started


def server_pids(url: str) -> list[int]:
	"""The processes of the server `serve` runs at `url`: the master and its (gunicorn) workers."""
	proc = _SERVERS[url]
	children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
	return [proc.pid, *(int(p) for p in children.read_text().split())] if children.exists() else [proc.pid]


@contextmanager
def serve(
	site: str, *, workers: int = 0, log_name: str = "crm-suite-server", timeout: float = 60
) -> Iterator[str]:
	"""Start a server for the site, wait (up to `timeout` seconds) until it answers `ping`, yield its URL,
	stop it afterwards. Its output goes to `logs/<log_name>-<port>.log` of the bench; `server_pids(url)`
	are its processes while it runs."""
	import requests

	bench = bench_folder()
	port = free_port()
	log_path = bench / "logs" / f"{log_name}-{port}.log"
	with open(log_path, "w") as log:
		proc = subprocess.Popen(
			server_command(site, port, workers),
			cwd=bench / "sites",
			stdout=log,
			stderr=subprocess.STDOUT,
		)
		url = f"http://127.0.0.1:{port}"
		try:
			deadline = time.time() + timeout
			while True:
				try:
					if requests.get(f"{url}/api/method/ping", headers={"Host": site}, timeout=5).ok:
						break
				except requests.RequestException:  # not listening yet, or too busy to answer in time
					pass
				if time.time() > deadline or proc.poll() is not None:
					raise RuntimeError(f"The server did not start; see {log_path}")
				time.sleep(0.3)
			_SERVERS[url] = proc
			yield url
		finally:
			_SERVERS.pop(url, None)
			proc.terminate()
			try:
				proc.wait(timeout=20)
			except subprocess.TimeoutExpired:
				proc.kill()
				proc.wait()


def make_user(email: str, *roles: str, first_name: str = "Test"):
	"""A desk user with these roles (no welcome mail, no password)."""
	import frappe

	return frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": first_name,
			"send_welcome_email": 0,
			"user_type": "System User",
			"roles": [{"role": r} for r in roles],
		}
	).insert(ignore_permissions=True)


def give_api_key(user) -> str:
	"""A new API key and secret for the user (saved, not committed): `key:secret` for `Authorization: token`."""
	import frappe

	secret = frappe.generate_hash(length=15)
	user.api_key, user.api_secret = frappe.generate_hash(length=15), secret
	user.save(ignore_permissions=True)
	return f"{user.api_key}:{secret}"


def timed(fn, repeat: int) -> tuple[float, float]:
	"""Call `fn` `repeat` times: the median and the 95th percentile of its wall time, in milliseconds."""
	samples = []
	for _ in range(repeat):
		start = time.perf_counter()
		fn()
		samples.append((time.perf_counter() - start) * 1000)
	samples.sort()
	return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def cpu_seconds(pids: list[int]) -> float:
	"""User + system CPU seconds these processes have used so far (from /proc/PID/stat; a process that is
	gone counts 0): the difference over a run is its cost at any load."""
	total = 0
	for pid in pids:
		try:
			fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
		except OSError:
			continue
		total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
	return total / os.sysconf("SC_CLK_TCK")


def database_pids() -> list[int]:
	"""The MariaDB server's processes, when it runs on this machine (else none)."""
	pids = []
	for comm in Path("/proc").glob("[0-9]*/comm"):
		try:
			if comm.read_text().strip() in ("mariadbd", "mysqld"):
				pids.append(int(comm.parent.name))
		except OSError:
			continue
	return pids


# What Frappe and the app leave behind for a record: (doctype, the column naming the record)
TRACES = (
	("ToDo", "reference_name"),
	("Comment", "reference_name"),
	("Version", "docname"),
	("Notification Log", "document_name"),
	("Stage History", "reference_name"),
	("DocShare", "share_name"),
	("Lead Duplicate", "parent"),
	("Deferred Automation", "reference_name"),
)


def delete_traces(names: list[str]) -> None:
	"""Delete the workflow actions and the TRACES of these records, for a benchmark that removes the
	records it made set-based (not committed)."""
	import frappe

	sql = frappe.db.sql  # bulk deletes of a run's leftovers: raw SQL
	names = names or [""]
	actions = sql(
		"select name from `tabWorkflow Action` where reference_name in %(n)s", {"n": names}, pluck=True
	)
	if actions:
		sql("delete from `tabWorkflow Action Permitted Role` where parent in %(a)s", {"a": actions})
		sql("delete from `tabWorkflow Action` where name in %(a)s", {"a": actions})
	for doctype, column in TRACES:
		if frappe.db.table_exists(doctype):
			sql(f"delete from `tab{doctype}` where `{column}` in %(n)s", {"n": names})
