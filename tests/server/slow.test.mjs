// tests/server/slow.test.mjs — parley-server's HTTP layer (sync/http_server.h) against
// slow, numerous and oversized clients, over loopback with hand-written requests:
//   (a) 40 connections trickling header lines do not stop /api/health from answering;
//   (b) headers that keep trickling are cut off by the overall header deadline (a
//       per-read timeout would never fire: a line arrives every 500 ms);
//   (c) oversized headers (size and count) are 431 and memory stays bounded;
//   (d) more connections from one address than its cap are answered 503 busy with
//       Retry-After, while another address is still served.
// Each replays a measured attack on the old server (docs/design.md "HTTP layer:
// Boost.Beast") and fails if its guard is removed. Every loop is bounded in count and
// time; all traffic stays on 127.0.0.0/8.
//
// Run: node --test tests/server/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const SERVER_BIN = process.env.PARLEY_SERVER_BIN || path.join(ROOT, 'build/native-debug/tools/server/parley-server');
const HEADER_TIMEOUT_S = 3;   // server B's --header-timeout
const PER_ADDRESS_CAP = 8;    // server B's --max-connections-per-address

const tmp = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'parley-slow-test-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the servers ----------------------------------------------------------------------

// In the AddressSanitizer build, freed memory waits in a quarantine (256 MB by default)
// before it is reused, so RSS would count churn, not what the server holds: keep it small.
const ASAN_OPTIONS = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=4'].filter(Boolean).join(':');

async function startServer(name, extra = []) {
  const proc = spawn(SERVER_BIN, ['serve', '--data', path.join(tmp, name), '--listen', '127.0.0.1:0', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ASAN_OPTIONS } });
  let log = '';
  proc.stderr.on('data', (d) => { log = (log + d).slice(-20000); });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20000);
    const look = () => {
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); proc.off('exit', exited); resolve(Number(m[1])); }
    };
    const exited = (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${log}`)); };
    proc.stderr.on('data', look);
    proc.on('exit', exited);
  });
  return { port, proc, log: () => log };
}

function stopServer(s) {
  return new Promise((resolve) => {
    if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve();
    const timer = setTimeout(() => s.proc.kill('SIGKILL'), 10000);
    s.proc.on('exit', () => { clearTimeout(timer); resolve(); });
    s.proc.kill('SIGTERM');
  });
}

let A, B;   // A: default limits; B: short header deadline, small per-address cap
before(async () => {
  assert.ok(fs.existsSync(SERVER_BIN), `parley-server missing: ${SERVER_BIN} (build it, or set PARLEY_SERVER_BIN)`);
  [A, B] = await Promise.all([
    startServer('a'),
    startServer('b', ['--header-timeout', String(HEADER_TIMEOUT_S), '--max-connections-per-address', String(PER_ADDRESS_CAP)]),
  ]);
});
after(async () => {
  await Promise.all([stopServer(A), stopServer(B)]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- raw HTTP -------------------------------------------------------------------------

// Sends `text` on a new connection and resolves when the server closes it (or after
// timeoutMs): {status, headers, body, ms}. status 0: no answer.
function exchange(port, text, { localAddress = '127.0.0.1', timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let data = Buffer.alloc(0);
    const sock = net.connect({ port, host: '127.0.0.1', localAddress }, () => sock.write(text));
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...parse(data.toString('latin1')), ms: Date.now() - t0 });
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on('data', (d) => { data = Buffer.concat([data, d]); });
    sock.on('close', done);
    sock.on('error', () => {});
  });
}

function parse(text) {
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || end < 0) return { status: 0, headers: {}, body: '' };
  const headers = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(text.slice(9, 12)), headers, body: text.slice(end + 4) };
}

const health = (port, opts) => exchange(port, 'GET /api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', opts);

// A client that starts a request and then sends one more header line every `everyMs`,
// never ending it. closed resolves with the ms from its first byte to the server closing.
function trickler(port, { everyMs, localAddress = '127.0.0.1' }) {
  const sock = net.connect({ port, host: '127.0.0.1', localAddress });
  let t0 = 0, n = 0, timer;
  const connected = new Promise((r) => sock.on('connect', () => {
    t0 = Date.now();
    sock.write('GET /api/health HTTP/1.1\r\nHost: t\r\n');
    timer = setInterval(() => sock.write(`X-Slow-${n++}: ${'s'.repeat(20)}\r\n`), everyMs);
    r();
  }));
  const closed = new Promise((r) => sock.on('close', () => { clearInterval(timer); r(Date.now() - t0); }));
  sock.on('error', () => {});
  return { sock, connected, closed, stop: () => { clearInterval(timer); sock.destroy(); } };
}

// ---- (a) slow connections ------------------------------------------------------------

test('40 connections trickling headers (a line every 2 s) do not stop /api/health', async () => {
  const HOLD_MS = 15000;
  const until = Date.now() + HOLD_MS;
  let opened = 0;
  const live = new Set();
  // Each slot reopens its connection when the server's header deadline closes it, as an
  // attacker would, until the hold ends.
  const slot = async () => {
    while (Date.now() < until) {
      const t = trickler(A.port, { everyMs: 2000 });
      live.add(t);
      await t.connected;
      opened++;
      await Promise.race([t.closed, sleep(until - Date.now())]);
      t.stop();
      live.delete(t);
    }
  };
  const slots = Array.from({ length: 40 }, slot);
  await sleep(500);
  const probes = [];
  while (Date.now() < until - 1000) {
    probes.push(health(A.port, { timeoutMs: 3000 }));
    await sleep(250);
  }
  const answers = await Promise.all(probes);
  await Promise.all(slots);
  for (const t of live) t.stop();
  assert.ok(opened >= 40, `slow connections opened: ${opened}`);
  assert.ok(answers.length >= 40, `probes: ${answers.length}`);
  const late = answers.filter((a) => a.status !== 200 || a.ms > 1000);
  assert.equal(late.length, 0, `health unanswered within 1 s: ${JSON.stringify(late.slice(0, 5))} of ${answers.length}`);
});

// ---- (b) the header deadline ----------------------------------------------------------

test('headers that keep trickling are cut off by the overall header deadline', async () => {
  const t = trickler(B.port, { everyMs: 500 });
  await t.connected;
  const ms = await Promise.race([t.closed, sleep((HEADER_TIMEOUT_S + 10) * 1000).then(() => Infinity)]);
  t.stop();
  assert.ok(ms >= HEADER_TIMEOUT_S * 1000 - 500, `closed after ${ms} ms: before the deadline`);
  assert.ok(ms <= HEADER_TIMEOUT_S * 1000 + 2000, `closed after ${ms} ms: the deadline is ${HEADER_TIMEOUT_S} s`);
});

// ---- (c) oversized headers ------------------------------------------------------------

const OVERSIZED = 'GET /api/health HTTP/1.1\r\nHost: t\r\n' +
  Array.from({ length: 20 }, (_, i) => `X-Big-${i}: ${'b'.repeat(1000)}\r\n`).join('') + '\r\n';
const MANY_FIELDS = 'GET /api/health HTTP/1.1\r\nHost: t\r\n' +
  Array.from({ length: 300 }, (_, i) => `X-${i}: v\r\n`).join('') + '\r\n';

function rssKb(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return Number(m[1]);
}

// `count` requests, `parallel` at a time; resolves to the statuses seen.
async function flood(port, text, count, parallel) {
  const statuses = new Map();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const r = await exchange(port, text);
      statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return statuses;
}

test('oversized headers are 431 and the server\'s memory stays bounded', async () => {
  const big = await exchange(A.port, OVERSIZED);
  assert.equal(big.status, 431, JSON.stringify(big));
  assert.equal(JSON.parse(big.body).error.code, 'too_large');
  const many = await exchange(A.port, MANY_FIELDS);
  assert.equal(many.status, 431, 'more header fields than the cap');

  await flood(A.port, OVERSIZED, 200, 16);   // warm-up: allocator pools, thread stacks
  const before = rssKb(A.proc.pid);
  const statuses = await flood(A.port, OVERSIZED, 2000, 16);
  const grownMb = (rssKb(A.proc.pid) - before) / 1024;
  assert.equal(statuses.get(431), 2000, `statuses: ${JSON.stringify([...statuses])}`);
  assert.ok(grownMb < 30, `RSS grew by ${grownMb.toFixed(1)} MB over 2,000 oversized requests`);
  assert.equal((await health(A.port)).status, 200);
});

test('one connection streaming endless header lines is closed, however long it sends', async () => {
  const sock = net.connect({ port: A.port, host: '127.0.0.1' });
  let data = '';
  let closedAt = 0;
  const closed = new Promise((r) => sock.on('close', () => { closedAt = Date.now(); r(); }));
  sock.on('data', (d) => { data += d; });
  sock.on('error', () => {});
  await new Promise((r) => sock.on('connect', r));
  sock.write('GET /api/health HTTP/1.1\r\nHost: t\r\n');
  const line = `X-Flood: ${'f'.repeat(8000)}\r\n`;
  const t0 = Date.now();
  // The old server read 12,000 such lines on one connection (195 MB); send up to 64 MB.
  for (let i = 0; i < 8000 && !sock.destroyed && closedAt === 0; i++) {
    if (!sock.write(line)) await Promise.race([new Promise((r) => sock.once('drain', r)), closed, sleep(1000)]);
  }
  await Promise.race([closed, sleep(5000)]);
  sock.destroy();
  // The server answers 431 and then drops what still arrives, for a bounded time and
  // size; a client that never stops sending may lose the answer to the final reset.
  if (data) assert.match(data, /^HTTP\/1\.1 431 /);
  assert.ok(closedAt > 0 && closedAt - t0 < 5000, `closed ${closedAt ? closedAt - t0 : 'never'} ms after the flood began`);
});

// ---- (d) connections per address ------------------------------------------------------

test('past the per-address cap: 503 busy with Retry-After; another address is still served', async () => {
  // Hold the cap with connections that have started a request (headers trickling).
  const holders = Array.from({ length: PER_ADDRESS_CAP }, () => trickler(B.port, { everyMs: 1000 }));
  try {
    await Promise.all(holders.map((h) => h.connected));
    await sleep(200);   // the server has accepted them
    const extra = await Promise.all(Array.from({ length: 3 }, () => health(B.port)));
    for (const r of extra) {
      assert.equal(r.status, 503, JSON.stringify(r));
      assert.equal(r.headers['retry-after'], '1');
      assert.equal(JSON.parse(r.body).error.code, 'busy');
    }
    const other = await health(B.port, { localAddress: '127.0.0.2' });
    assert.equal(other.status, 200, 'another address is served');
  } finally {
    for (const h of holders) h.stop();
  }
  await sleep(200);
  assert.equal((await health(B.port)).status, 200, 'the cap is released when its connections close');
});
