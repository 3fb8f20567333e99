"""A real IMAP server for the mail-in tests and benchmark: Debian's dovecot (package dovecot-imapd), started
as the user running the tests, on a free loopback port, with its configuration, one mailbox (maildir) and
its logs in a temporary folder. The system's dovecot service is never used or touched. Mails are
delivered with IMAP APPEND, as a mail server's delivery agent would put them in the mailbox."""

from __future__ import annotations

import getpass
import grp
import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import closing
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
mail_uid = {user}
mail_gid = {group}
first_valid_uid = 0
first_valid_gid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
service imap-login {{
  chroot =
  user = {user}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service imap-hibernate {{
  unix_listener imap-hibernate {{
    user = {user}
  }}
}}
"""


def free_port() -> int:
	with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


class MailServer:
	"""`with MailServer() as server:` a dovecot with the mailbox `server.user` / `server.password`."""

	def __init__(self, user: str = "support@crm-suite.test", password: str = "secret") -> None:
		self.user, self.password = user, password
		self.root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
		self.port = free_port()
		self.process: subprocess.Popen | None = None
		self.last_error: Exception | None = None

	def __enter__(self) -> MailServer:
		self.start()
		return self

	def __exit__(self, *exc) -> None:
		self.stop()

	def start(self) -> None:
		me = getpass.getuser()
		for folder in ("run", "state", "mail", "home"):
			(self.root / folder).mkdir(mode=0o700)
		(self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
		config = self.root / "dovecot.conf"
		config.write_text(
			CONFIG.format(root=self.root, user=me, group=grp.getgrgid(os.getgid()).gr_name, port=self.port)
		)
		self.process = subprocess.Popen(
			[DOVECOT, "-F", "-c", str(config)],
			stdout=subprocess.DEVNULL,
			stderr=subprocess.PIPE,
			start_new_session=True,
		)
		deadline = time.monotonic() + 20
		while time.monotonic() < deadline:
			if self.process.poll() is not None:
				raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode()} {self.log()}")
			try:
				self.connect().logout()
				return
			except (OSError, imaplib.IMAP4.error) as e:
				self.last_error = e
				time.sleep(0.1)
		log = self.log()
		self.stop()
		raise RuntimeError(f"dovecot did not answer on port {self.port} ({self.last_error!r}): {log}")

	def log(self) -> str:
		path = self.root / "dovecot.log"
		return path.read_text()[-3000:] if path.exists() else ""

	def stop(self) -> None:
		if self.process and self.process.poll() is None:
			os.killpg(self.process.pid, signal.SIGTERM)
			try:
				self.process.wait(10)
			except subprocess.TimeoutExpired:
				os.killpg(self.process.pid, signal.SIGKILL)
				self.process.wait(5)
		shutil.rmtree(self.root, ignore_errors=True)

	def connect(self) -> imaplib.IMAP4:
		imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
		imap.login(self.user, self.password)
		return imap

	def deliver(self, *mails: bytes, folder: str = "INBOX") -> None:
		"""Put mails in the mailbox, new (not \\Seen), in this order."""
		imap = self.connect()
		try:
			for raw in mails:
				status, response = imap.append(folder, None, None, raw)
				if status != "OK":
					raise RuntimeError(f"APPEND failed: {response}")
		finally:
			imap.logout()

	def count(self, criteria: str = "ALL", folder: str = "INBOX") -> int:
		imap = self.connect()
		try:
			imap.select(folder, readonly=True)
			status, data = imap.search(None, criteria)
			return len(data[0].split()) if data and data[0] else 0
		finally:
			imap.logout()
