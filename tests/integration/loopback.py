"""Servers the tests run themselves on loopback (real sockets, nothing of the app mocked): an SMTP server
that keeps what it receives, and an HTTP server whose handler a test supplies (a fake SMS gateway, a fake
Graph API)."""

import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Served:
	"""Serves `self.server` (a socketserver server) in a daemon thread while the `with` block runs."""

	def __enter__(self):
		threading.Thread(target=self.server.serve_forever, daemon=True).start()
		return self

	def __exit__(self, *exc):
		self.server.shutdown()
		self.server.server_close()


class SmtpServer(_Served):
	"""A minimal SMTP server (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on 127.0.0.1; `messages` holds
	(mail_from, [rcpt_to], raw message text) as received."""

	def __init__(self):
		self.messages: list[tuple[str, list[str], str]] = []
		outer = self

		class Handler(socketserver.StreamRequestHandler):
			def reply(self, line: str) -> None:
				self.wfile.write((line + "\r\n").encode())

			def handle(self):
				self.reply("220 loopback ESMTP")
				mail_from, rcpt = "", []
				while line := self.rfile.readline():
					cmd = line.decode("utf-8", "replace").strip()
					verb = cmd.split(" ", 1)[0].upper()
					if verb == "EHLO":
						self.reply("250-loopback")
						self.reply("250 8BITMIME")
					elif verb == "HELO":
						self.reply("250 loopback")
					elif verb == "MAIL":
						mail_from, rcpt = cmd.split(":", 1)[1].strip(), []
						self.reply("250 OK")
					elif verb == "RCPT":
						rcpt.append(cmd.split(":", 1)[1].strip().strip("<>"))
						self.reply("250 OK")
					elif verb == "DATA":
						self.reply("354 End data with <CR><LF>.<CR><LF>")
						data = []
						while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
							data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
						outer.messages.append((mail_from, rcpt, b"".join(data).decode("utf-8", "replace")))
						self.reply("250 OK queued")
					elif verb in ("RSET", "NOOP"):
						self.reply("250 OK")
					elif verb == "QUIT":
						self.reply("221 Bye")
						return
					else:
						self.reply("502 Command not implemented")

		self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
		self.server.daemon_threads = True
		self.port = self.server.server_address[1]


class HttpServer(_Served):
	"""A threaded HTTP server on 127.0.0.1 with the given BaseHTTPRequestHandler subclass; `url` is its base."""

	def __init__(self, handler: type[BaseHTTPRequestHandler]):
		self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
		self.server.daemon_threads = True
		self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
