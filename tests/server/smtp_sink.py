#!/usr/bin/python3
"""tests/server/smtp_sink.py — a real SMTP server on loopback for the mailer tests
(tests/server/test_mailer.cpp), built on Debian's python3-aiosmtpd 1.4.

Model: one process per test row, started by the test and stopped with SIGTERM. It binds
127.0.0.1 (never another interface), prints exactly `listening PORT` on stdout once it
accepts connections, and appends what it accepted to files the test reads afterwards, each
line written, flushed and fsynced before the server answers 250, so a test that saw 250 can
read the line at once.

  smtp_sink.py --mailbox FILE.jsonl [--port 0] [--mode MODE] [--delay S]
               [--auth USER --password-file F] [--auth-log FILE.jsonl]
               [--tls-cert CERT --tls-key KEY] [--implicit-tls]

Mailbox: one JSON object a line per accepted message:
  mail_from, rcpt_tos, message_id, subject (RFC 2047 decoded), data (the whole message as
  received, CRLF line ends, dot-stuffing removed), received_at (UTC, ISO 8601),
  and, to spare every test a MIME decoder: body (the text/plain content decoded from its
  Content-Transfer-Encoding, \\n line ends), tls (was the session encrypted),
  auth_user (the login that authenticated, or null).
Auth log (--auth-log): JSON lines, never a password. {"event": "command", mechanism, tls,
  at} for every AUTH command line on the wire, even one the server refuses unread (the
  credentials were sent all the same); {"event": "result", mechanism, user, success, tls,
  at} when the credentials are checked, written before the 235/535 goes out. A test uses it to prove a client did or did not try to
  authenticate, and whether over TLS.

Modes (what goes wrong, so the client's Retry/Refused mapping can be checked for real):
  accept       store and answer 250 (default)
  refuse       550 to RCPT TO
  tempfail     451 to RCPT TO
  drop         close the connection once DATA's content is in, before any reply; nothing
               is stored
  stall        accept the TCP connection, never send the greeting
  slow-data    sleep --delay before the 354 to DATA; a client that leaves meanwhile stores
               nothing
  slow-accept  receive the message, sleep --delay, store it, answer 250. The store happens
               even if the client gave up meanwhile, as a real server that accepted the
               message would deliver it (the duplicate the Message-ID exists for)
  slow-both    slow-data, then slow-accept: --delay before the 354 and again before the
               250, so no one reply is late by more than --delay yet the whole is late

AUTH: --auth USER requires AUTH PLAIN or LOGIN with USER and the first line of
--password-file. With --tls-cert/--tls-key STARTTLS is offered and, with --auth, required
before AUTH and MAIL. With --auth and no TLS at all, AUTH is deliberately offered in clear
(a careless server), so a test can check that the client still never sends the password.
--implicit-tls wraps the socket in TLS from the first byte (smtps://).
"""
import argparse
import asyncio
import datetime
import email
import email.policy
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

HOSTNAME = "parley-smtp-sink"   # fixed: aiosmtpd would otherwise ask DNS for the FQDN
MODES = ("accept", "refuse", "tempfail", "drop", "stall", "slow-data", "slow-accept", "slow-both")


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def append_line(path, record):
    """One JSON line, on disk before the caller answers the client."""
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def session_is_tls(server):
    # STARTTLS sets _tls_protocol; implicit TLS shows on the transport.
    transport = server.transport
    return bool(server._tls_protocol) or (
        transport is not None and transport.get_extra_info("ssl_object") is not None)


def parse_message(raw):
    """Decoded subject, Message-ID and text body; None for what does not parse."""
    text = raw.decode("utf-8", errors="replace")
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        subject = str(msg["subject"]) if msg["subject"] is not None else None
        message_id = str(msg["message-id"]).strip() if msg["message-id"] is not None else None
        body = msg.get_content().replace("\r\n", "\n") if not msg.is_multipart() else None
    except Exception as error:   # a malformed message is still stored: the test judges it
        print(f"smtp_sink: cannot parse message: {error}", file=sys.stderr)
        subject = message_id = body = None
    return text, subject, message_id, body


class Handler:
    """The SMTP hooks that differ by mode; aiosmtpd answers everything else."""

    def __init__(self, args):
        self.args = args

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.mode == "refuse":
            return "550 5.1.1 Mailbox unavailable (smtp_sink refuse mode)"
        if self.args.mode == "tempfail":
            return "451 4.3.0 Try again later (smtp_sink tempfail mode)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.mode == "drop":
            server.transport.close()
            # connection_lost cancels this coroutine: no reply is ever sent.
            await asyncio.sleep(3600)
        record = self.record(server, session, envelope)
        if self.args.mode in ("slow-accept", "slow-both"):
            # Shielded: the client leaving cancels us, not the delivery.
            await asyncio.shield(self.store_later(record))
        else:
            append_line(self.args.mailbox, record)
        return "250 OK: queued as " + (record["message_id"] or "?")

    async def store_later(self, record):
        await asyncio.sleep(self.args.delay)
        record["received_at"] = now_iso()
        append_line(self.args.mailbox, record)

    def record(self, server, session, envelope):
        text, subject, message_id, body = parse_message(envelope.original_content)
        auth = session.auth_data
        return {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "message_id": message_id,
            "subject": subject,
            "data": text,
            "received_at": now_iso(),
            "body": body,
            "tls": session_is_tls(server),
            "auth_user": auth.login.decode("utf-8", "replace") if isinstance(auth, LoginPassword) else None,
        }


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP with the slow-data delay and the wire half of the AUTH log."""

    def __init__(self, handler, args, **kwargs):
        super().__init__(handler, **kwargs)
        self.args = args
        self.in_data = False
        self.partial_line = b""

    def data_received(self, data):
        # The wire, before aiosmtpd decides anything: an AUTH line is logged even when the
        # server then refuses it (530/538), since the credentials were already sent.
        # After STARTTLS the TLS layer hands us the decrypted bytes here too.
        if self.args.auth_log and not self.in_data:
            lines = (self.partial_line + data).split(b"\n")
            self.partial_line = lines.pop()[-512:]
            for line in lines:
                words = line.strip().split()
                if words and words[0].upper() == b"AUTH":
                    append_line(self.args.auth_log, {
                        "event": "command",
                        "mechanism": words[1].decode("ascii", "replace").upper() if len(words) > 1 else None,
                        "tls": session_is_tls(self),
                        "at": now_iso(),
                    })
        super().data_received(data)

    async def smtp_DATA(self, arg):
        if self.args.mode in ("slow-data", "slow-both") and self.envelope.rcpt_tos:
            # A client that closes meanwhile cancels this coroutine (eof_received).
            await asyncio.sleep(self.args.delay)
            if self.transport is None:
                return
        self.in_data = True
        try:
            await super().smtp_DATA(arg)
        finally:
            self.in_data = False
            self.partial_line = b""


def make_authenticator(user, password, auth_log):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        # Logged here, before aiosmtpd sends 235/535: a client that hangs up on the reply
        # cancels everything after it.
        if auth_log:
            append_line(auth_log, {
                "event": "result",
                "mechanism": mechanism,
                "user": auth_data.login.decode("utf-8", "replace"),
                "success": ok,
                "tls": session_is_tls(server),
                "at": now_iso(),
            })
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticate


class Staller(asyncio.Protocol):
    """stall mode: holds the connection open and says nothing."""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        pass


def tls_context(args):
    if not args.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


def smtp_factory(args, context):
    handler = Handler(args)
    kwargs = {"hostname": HOSTNAME, "ident": "smtp_sink"}
    if context is not None and not args.implicit_tls:
        kwargs["tls_context"] = context
    if args.auth:
        with open(args.password_file, encoding="utf-8") as f:
            password = f.readline().rstrip("\r\n")
        kwargs["authenticator"] = make_authenticator(args.auth, password, args.auth_log)
        kwargs["auth_required"] = True
        # STARTTLS: AUTH only after it. Implicit TLS: already encrypted. No TLS at all:
        # offer AUTH in clear on purpose (see the file comment).
        starttls = context is not None and not args.implicit_tls
        kwargs["auth_require_tls"] = starttls
        kwargs["require_starttls"] = starttls
    return lambda: SinkSMTP(handler, args, **kwargs)


async def serve(args):
    context = tls_context(args)
    loop = asyncio.get_running_loop()
    factory = Staller if args.mode == "stall" else smtp_factory(args, context)
    server = await loop.create_server(factory, host="127.0.0.1", port=args.port,
                                      ssl=context if args.implicit_tls else None)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    server.close()


def parse_args(argv):
    p = argparse.ArgumentParser(description="SMTP sink for the Parley mailer tests (loopback only).")
    p.add_argument("--mailbox", required=True, help="JSON-lines file, one line per accepted message")
    p.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    p.add_argument("--mode", choices=MODES, default="accept")
    p.add_argument("--delay", type=float, default=5.0, help="seconds, for the slow-* modes")
    p.add_argument("--auth", metavar="USER", help="require AUTH as USER")
    p.add_argument("--password-file", help="first line is USER's password (with --auth)")
    p.add_argument("--auth-log", help="JSON-lines file: each AUTH command seen, each credential check")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte (smtps)")
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if args.implicit_tls and not args.tls_cert:
        p.error("--implicit-tls needs --tls-cert and --tls-key")
    if args.auth and not args.password_file:
        p.error("--auth needs --password-file")
    return args


def main(argv):
    args = parse_args(argv)
    # aiosmtpd warns (rightly) about AUTH without TLS, which is the point of one test.
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
