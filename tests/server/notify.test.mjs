// tests/server/notify.test.mjs — the office's email end to end, through real parts: the
// real parley-server (demo users), a real SMTP server on loopback (tests/server/smtp_sink.py,
// aiosmtpd), and the real `parley` CLI as a tablet that works offline and syncs later.
//   1. A Shropshire challenge escalated to stage 4 with no signal reaches the office on
//      reconnection; the business unit's mailbox then holds exactly one message, without
//      the subject's name; the sending comes back to the device as a notification_sent
//      event; the Board's dashboard and its CSV show the missed timescale.
//   2. The server killed (SIGKILL) while it is in the middle of sending: after a restart the
//      message arrives once, and a further restart sends nothing again.
// Run: node --test tests/server/notify.test.mjs (binaries as in api.test.mjs).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DEMO_PASSWORD = 'parley-demo-2026';   // tools/server/demo.cpp
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const SERVER_BIN = process.env.PARLEY_SERVER_BIN || path.join(ROOT, 'build/native-debug/tools/server/parley-server');
const CLI_BIN = process.env.PARLEY_CLI_BIN || path.join(path.resolve(path.dirname(SERVER_BIN), '..', '..'), 'parley');
const SINK = path.join(ROOT, 'tests/server/smtp_sink.py');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-notify-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SUBJECT = 'Zebedee Quartermaine';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function waitFor(proc, pattern, what) {
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${log}`)), 20000);
    const read = (chunk) => {
      log += chunk;
      const m = log.match(pattern);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout.on('data', read);
    proc.stderr.on('data', read);
    proc.on('exit', (code) => reject(new Error(`${what} exited (${code}):\n${log}`)));
  });
}

async function startSink(mode = 'accept', delay = 0) {
  const mailbox = path.join(tmp, `mailbox-${mode}-${Date.now()}.jsonl`);
  const args = [SINK, '--mailbox', mailbox, '--port', '0', '--mode', mode];
  if (delay) args.push('--delay', String(delay));
  const proc = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await waitFor(proc, /listening (\d+)/, 'smtp_sink.py');
  return {
    proc, url: `smtp://127.0.0.1:${port}`,
    mail: () => (fs.existsSync(mailbox) ? fs.readFileSync(mailbox, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
  };
}

function adminRefused(data, args, input) {
  const r = spawnSync(SERVER_BIN, ['admin', '--data', data, ...args], { input, encoding: 'utf8' });
  assert.equal(r.status, 2, `admin ${args.join(' ')} should be a usage error: ${r.stderr}`);
  return r.stderr;
}

function admin(data, args, input) {
  const r = spawnSync(SERVER_BIN, ['admin', '--data', data, ...args], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `admin ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function startServer(data) {
  const proc = spawn(SERVER_BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--demo', '--mail-every', '1',
    '--mail-retry', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await waitFor(proc, /listening on (http:\/\/127\.0\.0\.1:\d+)\//, 'parley-server');
  return { proc, url };
}
const stop = (p, signal = 'SIGTERM') => new Promise((r) => { p.on('exit', r); p.kill(signal); });

function cli(db, args, input) {
  const r = spawnSync(CLI_BIN, ['--db', db, ...args, '--json'], { input, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `parley ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// A tablet: signed in as the ASC director, raises a Shropshire challenge ten working days
// ago and escalates it to stage 4, all without syncing.
function offlineEscalation(db, url) {
  cli(db, ['login', '--server', url, '--user', 'asc-director', '--password-stdin', '--device-name', 'tablet'], DEMO_PASSWORD + '\n');
  const opened = cli(db, ['challenge', 'open', '--procedure', 'shropshire-sscp', '--imminent-risk', 'no',
    '--subject-name', SUBJECT, '--challenger-name', 'Demo Director (asc)', '--challenger-agency', 'Demo Adult Social Care',
    '--challenger-job-title', 'Assistant Director', '--challenged-agency', 'Demo Police',
    '--category', 'response_to_referral', '--summary', 'Referral closed without contact', '--at', '2026-11-02T10:00']);
  const id = opened.id || opened.challenge;
  const days = ['2026-11-05T10:00', '2026-11-09T10:00', '2026-11-16T10:00'];
  for (const at of days)
    cli(db, ['challenge', 'escalate', id, '--reason', 'No agreement', '--tried', 'Phone call',
      '--override-reason', 'synthetic test', '--at', at]);
  return id;
}

async function until(what, check, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const toUnit = (m) => m.rcpt_tos.some((t) => t.includes('sscpbusinessunit'));

test('stage 4 reached offline: one message to the business unit, recorded, and on the Board dashboard', async () => {
  const sink = await startSink();
  const data = path.join(tmp, 'server-1');
  fs.mkdirSync(data, { mode: 0o700 });
  // The SMTP password is never an argument; a timeout must be a number.
  assert.match(adminRefused(data, ['smtp', '--url', sink.url, '--user', 'u', '--password', 'secret-in-argv']), /never from the/);
  assert.match(adminRefused(data, ['smtp', '--url', sink.url, '--timeout', 'soon']), /--timeout: give a whole number/);
  admin(data, ['smtp', '--url', sink.url, '--from', 'parley@office.example']);   // before the server: admin creates the database
  const server = await startServer(data);
  try {
    admin(data, ['board-settings', '--suppress-below', '1']);
    const db = path.join(tmp, 'tablet-1.db');
    const id = offlineEscalation(db, server.url);
    assert.equal(sink.mail().length, 0, 'nothing is sent before the device reconnects');
    cli(db, ['sync']);
    const mail = await until('the business unit message', () => sink.mail().filter(toUnit).length && sink.mail());
    await sleep(1500);   // a second send would arrive by now
    const unit = sink.mail().filter(toUnit);
    assert.equal(unit.length, 1, 'exactly one message to the business unit');
    assert.ok(!unit[0].data.includes(SUBJECT), 'the subject is not named in email');
    assert.ok(!unit[0].data.includes('Referral closed without contact'), 'no free text in email');
    assert.match(unit[0].subject, /reached stage 4/);
    assert.ok(mail.length >= 1);

    // The sending is on the challenge for every party, and ticks the notify item.
    const shown = await until('the notification event', () => {
      cli(db, ['sync']);
      const s = cli(db, ['challenge', 'show', id]);
      return JSON.stringify(s).includes('Parley office') && s;
    });
    const item = JSON.stringify(shown);
    assert.match(item, /notify-business-unit-stage-4/);

    // The Board's dashboard: the missed stage timescales are shown.
    const login = await fetch(`${server.url}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'board', password: DEMO_PASSWORD, device: 'board-test-1' }) }).then((r) => r.json());
    const auth = { Authorization: `Bearer ${login.token}` };
    const dash = await fetch(`${server.url}/api/board/dashboard?from=2026-01-01&to=2026-12-31`, { headers: auth }).then((r) => r.json());
    assert.equal(dash.total.value, 1);
    assert.ok(dash.missed_by_stage.some((s) => s.count.value >= 1), JSON.stringify(dash.missed_by_stage));
    assert.ok(!JSON.stringify(dash).includes(SUBJECT));
    const csv = await fetch(`${server.url}/api/board/report.csv?from=2026-01-01&to=2026-12-31&what=challenges`, { headers: auth });
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    const rows = spawnSync('/usr/bin/python3', ['-c', 'import csv,sys,json; print(json.dumps(list(csv.reader(sys.stdin))))'],
      { input: await csv.text(), encoding: 'utf8' });
    const parsed = JSON.parse(rows.stdout);
    assert.equal(parsed[0][0], 'row');
    assert.equal(parsed.length, 2);
    assert.ok(Number(parsed[1][parsed[0].indexOf('timescales_missed')]) >= 1);
    // A day that is not a date is refused, naming it; so is a period that ends before it starts.
    for (const [query, field] of [['from=2026-13-01', 'from'], ['from=2026-07-01&to=2026-06-30', 'to']]) {
      const bad = await fetch(`${server.url}/api/board/dashboard?${query}`, { headers: auth });
      assert.equal(bad.status, 400, query);
      assert.equal((await bad.json()).error.field, field, query);
    }
    // A practitioner is refused.
    const other = await fetch(`${server.url}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'police-practitioner', password: DEMO_PASSWORD, device: 'police-test-1' }) }).then((r) => r.json());
    const refused = await fetch(`${server.url}/api/board/dashboard`, { headers: { Authorization: `Bearer ${other.token}` } });
    assert.equal(refused.status, 403);

    // The administrator's CSV, read back with Python's csv module.
    const report = admin(data, ['board-report', '--from', '2026-01-01', '--to', '2026-12-31', '--format', 'csv']);
    const figures = JSON.parse(spawnSync('/usr/bin/python3', ['-c', 'import csv,sys,json; print(json.dumps(list(csv.reader(sys.stdin))))'],
      { input: report, encoding: 'utf8' }).stdout);
    assert.deepEqual(figures[0], ['section', 'label', 'month', 'stage', 'value', 'suppressed']);
    assert.ok(figures.some((r) => r[0] === 'missed_by_stage'));
  } finally {
    await stop(server.proc);
    await stop(sink.proc);
  }
});

test('killed with SIGKILL in the middle of sending: after a restart the message arrives once', async () => {
  const slow = await startSink('slow-data', 4);   // holds the DATA command while we kill
  const data = path.join(tmp, 'server-2');
  fs.mkdirSync(data, { mode: 0o700 });
  admin(data, ['smtp', '--url', slow.url, '--from', 'parley@office.example']);
  let server = await startServer(data);
  const db = path.join(tmp, 'tablet-2.db');
  offlineEscalation(db, server.url);
  cli(db, ['sync']);
  await sleep(2000);   // the sender is connected and waiting for the sink's 354
  await stop(server.proc, 'SIGKILL');
  await sleep(4000);   // the slow sink gives up on the dead connection
  assert.equal(slow.mail().length, 0, 'a send cut off before the message was accepted stored nothing');
  const unsent = admin(data, ['list-outbox', '--state', 'pending']);
  assert.match(unsent, /notify-business-unit-stage-4/, 'killed mid-send: the row is still pending, not lost');
  await stop(slow.proc);

  const good = await startSink();
  admin(data, ['smtp', '--url', good.url, '--from', 'parley@office.example']);
  server = await startServer(data);
  await until('the message after restart', () => good.mail().filter(toUnit).length);
  await stop(server.proc, 'SIGKILL');
  server = await startServer(data);   // and again: nothing is sent twice
  await sleep(3000);
  const unit = good.mail().filter(toUnit);
  assert.equal(unit.length, 1, 'one message, not two');
  const pending = admin(data, ['list-outbox', '--state', 'pending']);
  assert.ok(!pending.includes('notify-business-unit-stage-4'), pending);
  await stop(server.proc);
  await stop(good.proc);
});
