// tests/server/api.test.mjs — parley-server (tools/server) end to end over loopback HTTP.
//
// Starts the real binary (PARLEY_SERVER_BIN, default build/native-debug/tools/server/
// parley-server) on 127.0.0.1 port 0 with a temporary --data directory and --demo users,
// makes real events and bundles with the real CLI (PARLEY_CLI_BIN, default the `parley`
// beside the server's build), and checks the contract of docs/sync-protocol.md:
//   - every kind of bad request gets a 4xx with a JSON body naming the problem, nothing is
//     stored, and the server still serves another client afterwards;
//   - replay is idempotent; auth (no token, revoked device); visibility (a non-party pulls
//     nothing, then gets the whole history once added by party_added); paging by cursor;
//     epoch change by `admin new-epoch`; SIGKILL mid-push leaves the bundle whole or absent.
// Events made here in JavaScript (odd Unicode, long text, broken chains, bulk) are hashed
// with the canonical form of core/event.h (sorted keys, no spaces, UTF-8): the server
// accepting them is itself a check that both sides agree on it.
//
// Run: node --test tests/server/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
const DEMO_PASSWORD = 'parley-demo-2026';   // printed by parley-server --demo (tools/server/demo.cpp)

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const SERVER_BIN = process.env.PARLEY_SERVER_BIN || path.join(ROOT, 'build/native-debug/tools/server/parley-server');
const CLI_BIN = process.env.PARLEY_CLI_BIN || path.join(path.resolve(path.dirname(SERVER_BIN), '..', '..'), 'parley');

const tmp = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'parley-server-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// ---- the server ----------------------------------------------------------------------

async function startServer(dataDir, extra = []) {
  const proc = spawn(SERVER_BIN, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--demo', '--read-timeout', '2', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20000);
    proc.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${log}`)); });
  });
  proc.removeAllListeners('exit');
  return { url, proc, log: () => log };
}

function stopServer(s) {
  return new Promise((resolve) => {
    if (s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve();
    s.proc.on('exit', () => resolve());
    s.proc.kill('SIGTERM');
  });
}

function admin(dataDir, ...args) {
  return execFileSync(SERVER_BIN, ['admin', '--data', dataDir, ...args], { encoding: 'utf8' });
}

// ---- HTTP ----------------------------------------------------------------------------

async function call(url, method, p, { token, body, type = 'application/json' } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = type;
  const res = await fetch(url + p, { method, headers, body });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text, headers: res.headers };
}

const post = (url, p, obj, token) => call(url, 'POST', p, { token, body: typeof obj === 'string' || Buffer.isBuffer(obj) ? obj : JSON.stringify(obj) });

async function login(url, username, device) {
  const r = await post(url, '/api/login', { username, password: DEMO_PASSWORD, device, device_name: 'test' });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
}

const pushBody = (bundles, epoch = null) => ({ format: 'parley-push', version: 1, epoch, bundles });

// Every event the caller's feed holds, following the cursor.
async function pullAll(url, token, { cursor = '0', limit } = {}) {
  const events = [];
  for (;;) {
    const r = await call(url, 'GET', `/api/pull?cursor=${cursor}${limit ? `&limit=${limit}` : ''}`, { token });
    assert.equal(r.status, 200, r.text);
    for (const b of r.json.bundles) for (const e of b.events) events.push(e);
    cursor = r.json.cursor;
    if (!r.json.more) return { events, cursor };
  }
}

// A request written by hand: the slow and truncated bodies fetch cannot produce.
function rawRequest(url, head, bodyPart, { end = false } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname, () => {
      sock.write(head + bodyPart);
      if (end) sock.end();   // half-close: the body stops short, the answer can still come
    });
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve(data));
    sock.on('close', () => resolve(data));
    sock.on('error', reject);
    sock.setTimeout(15000, () => { sock.destroy(); resolve(data); });
  });
}

function parseRaw(text) {
  const status = Number(text.slice(9, 12));
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status, json: JSON.parse(body) };
}

// ---- events --------------------------------------------------------------------------

function canon(v) {
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
  if (v && typeof v === 'object') return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
  return JSON.stringify(v);
}
function rehash(e) {
  const { hash, ...rest } = e;
  e.hash = createHash('sha256').update(canon(rest), 'utf8').digest('hex');
  return e;
}

function cli(db, ...args) {
  return execFileSync(CLI_BIN, ['--db', db, ...args], { encoding: 'utf8', env: { ...process.env, PARLEY_NOW: '' } });
}

// A CLI database for `user` (a demo user) with one challenge opened against `challenged`.
function clientDb(name, person, agency) {
  const db = path.join(tmp, `${name}.db`);
  cli(db, 'identity', 'set', '--name', person, '--agency', agency, '--role', 'practitioner');
  return db;
}
function openChallenge(db, person, agency, challenged) {
  const out = JSON.parse(cli(db, '--json', 'challenge', 'open', '--procedure', 'salford-ssab', '--imminent-risk', 'no',
    '--subject-name', 'Alex Example', '--challenger-name', person, '--challenger-agency', agency,
    '--challenged-agency', challenged, '--category', 'information_sharing', '--summary', 'Synthetic test challenge.'));
  return out.challenge;
}
function exportBundle(db, id) {
  return JSON.parse(cli(db, 'export', id));
}

// A comment event after `parent`, written by `device` as `author`.
function comment(parent, device, seq, author, text) {
  return rehash({
    id: randomBytes(16).toString('hex'), challenge: parent.challenge, device, seq, kind: 'comment',
    at: Date.now(), hlc: [Date.now(), 0], author, parents: [parent.id], parent_hashes: [parent.hash], body: { text },
  });
}

// ---- the shared server and clients ---------------------------------------------------

const ASC = { person: 'Demo Practitioner (asc)', agency: 'Demo Adult Social Care', user: 'asc-practitioner' };
let srv, dataDir, ascDb, challenge, bundle, device, ascToken, witness, baseline;

before(async () => {
  assert.ok(fs.existsSync(SERVER_BIN), `parley-server missing: ${SERVER_BIN} (build it, or set PARLEY_SERVER_BIN)`);
  assert.ok(fs.existsSync(CLI_BIN), `parley CLI missing: ${CLI_BIN} (build it, or set PARLEY_CLI_BIN)`);
  dataDir = path.join(tmp, 'data');
  srv = await startServer(dataDir);
  ascDb = clientDb('asc', ASC.person, ASC.agency);
  challenge = openChallenge(ascDb, ASC.person, ASC.agency, 'Demo Housing Trust');
  bundle = exportBundle(ascDb, challenge);
  device = bundle.events[0].device;
  ascToken = await login(srv.url, ASC.user, device);
  const r = await post(srv.url, '/api/push', pushBody([bundle]), ascToken);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.added, bundle.events.length);
  // The witness: another client (the challenged agency) that must keep being served.
  witness = await login(srv.url, 'housing-lead', 'witness-device');
  baseline = (await pullAll(srv.url, witness)).events.length;
  assert.equal(baseline, bundle.events.length);
});
after(async () => { if (srv) await stopServer(srv); });

// The refusal is JSON naming the problem; nothing new is stored; another client is served.
async function refusedAndHarmless(r, status, code, { field } = {}) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status}: ${r.text}`);
  assert.equal(r.json?.error?.code, code, r.text);
  assert.ok(r.json.error.message.length > 10, 'the message says what is wrong');
  if (field) assert.match(r.json.error.field, field);
  const h = await call(srv.url, 'GET', '/api/health');
  assert.equal(h.status, 200);
  const all = await pullAll(srv.url, witness);
  assert.equal(all.events.length, baseline, 'nothing was stored');
}

const lastEvent = () => bundle.events[bundle.events.length - 1];
const ascAuthor = () => bundle.events[0].author;

test('malformed JSON is 400 bad_json', async () => {
  await refusedAndHarmless(await post(srv.url, '/api/push', '{"format": "parley-push", "bundles": [', ascToken), 400, 'bad_json');
});

test('an unknown or newer bundle version is refused with "update Parley"', async () => {
  const b = structuredClone(bundle); b.version = 2;
  const r = await post(srv.url, '/api/push', pushBody([b]), ascToken);
  await refusedAndHarmless(r, 400, 'bad_request', { field: /bundles\[0\]\.version/ });
  assert.match(r.json.error.message, /update Parley/);
  const p = await post(srv.url, '/api/push', { ...pushBody([bundle]), version: 99 }, ascToken);
  await refusedAndHarmless(p, 400, 'bad_request', { field: /^version$/ });
});

test('a body over 4 MiB is 413 too_large', async () => {
  const big = JSON.stringify(pushBody([{ ...bundle, board: 'x'.repeat(5 * 1024 * 1024) }]));
  await refusedAndHarmless(await post(srv.url, '/api/push', big, ascToken), 413, 'too_large');
});

test('more than 2,000 events in one push is 413 too_large', async () => {
  const e = lastEvent();
  const events = Array.from({ length: 2001 }, () => e);
  await refusedAndHarmless(await post(srv.url, '/api/push', pushBody([{ ...bundle, events }]), ascToken), 413, 'too_large');
});

test('an event authored by someone else is 403 forged_author', async () => {
  // Another person of the same agency, on their own device (a device id is bound to its
  // first user, so they cannot use the practitioner's), writing as the practitioner.
  const lead = await login(srv.url, 'asc-lead', 'asc-lead-device');
  const e = comment(lastEvent(), 'asc-lead-device', 900, ascAuthor(), 'written as the practitioner');
  await refusedAndHarmless(await post(srv.url, '/api/push', pushBody([{ ...bundle, events: [e] }]), lead), 403, 'forged_author',
    { field: /author/ });
});

test('an event from another device is 403 forged_device', async () => {
  const other = await login(srv.url, ASC.user, 'some-other-device');
  const e = comment(lastEvent(), device, 901, ascAuthor(), 'pushed through the wrong token');
  await refusedAndHarmless(await post(srv.url, '/api/push', pushBody([{ ...bundle, events: [e] }]), other), 403, 'forged_device',
    { field: /device/ });
});

test('a caller whose agency is not a party is 403 not_a_party', async () => {
  const police = await login(srv.url, 'police-practitioner', 'police-device');
  const author = { name: 'Demo Practitioner (police)', job_title: 'Practitioner', agency: 'Demo Police', role: 'practitioner' };
  const e = comment(lastEvent(), 'police-device', 1, author, 'police were never added');
  await refusedAndHarmless(await post(srv.url, '/api/push', pushBody([{ ...bundle, events: [e] }]), police), 403, 'not_a_party');
});

test('an altered event is 400 bad_hash', async () => {
  const b = structuredClone(bundle);
  b.events[0].body.summary = 'altered after hashing';
  await refusedAndHarmless(await post(srv.url, '/api/push', pushBody([b]), ascToken), 400, 'bad_hash', { field: /events\[0\]\.hash/ });
});

test('a parent hash that is not the stored parent is 400 hash_chain_broken', async () => {
  const e = comment(lastEvent(), device, 902, ascAuthor(), 'chained to a forgery');
  e.parent_hashes = ['0'.repeat(64)];
  rehash(e);
  await refusedAndHarmless(await post(srv.url, '/api/push', pushBody([{ ...bundle, events: [e] }]), ascToken), 400,
    'hash_chain_broken', { field: /parent_hashes\[0\]/ });
});

test('a replayed bundle is acknowledged again and adds nothing', async () => {
  const r = await post(srv.url, '/api/push', pushBody([bundle]), ascToken);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.added, 0);
  assert.deepEqual(r.json.acked, bundle.events.map((e) => e.id));
  assert.equal((await pullAll(srv.url, witness)).events.length, baseline);
});

test('very long strings are 400 too_long', async () => {
  const e = comment(lastEvent(), device, 903, ascAuthor(), 'x'.repeat(30000));
  await refusedAndHarmless(await post(srv.url, '/api/push', pushBody([{ ...bundle, events: [e] }]), ascToken), 400, 'too_long',
    { field: /body\.text/ });
  await refusedAndHarmless(await post(srv.url, '/api/push', pushBody([{ ...bundle, procedure: 'p'.repeat(100000) }]), ascToken),
    400, 'too_long', { field: /procedure/ });
});

test('invalid UTF-8 is 400 bad_utf8', async () => {
  const text = JSON.stringify(pushBody([bundle])).replace('Synthetic test challenge.', 'Synthetic \u0001MARK');
  const buf = Buffer.from(text, 'utf8');
  buf[buf.indexOf(1)] = 0xff;
  await refusedAndHarmless(await post(srv.url, '/api/push', buf, ascToken), 400, 'bad_utf8');
});

test('a body that is not application/json is 415 bad_content_type', async () => {
  const r = await call(srv.url, 'POST', '/api/push', { token: ascToken, body: JSON.stringify(pushBody([bundle])), type: 'text/plain' });
  await refusedAndHarmless(r, 415, 'bad_content_type');
});

test('a body that stalls is 408 timeout', async () => {
  const body = JSON.stringify(pushBody([bundle]));
  const head = `POST /api/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ascToken}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const t0 = Date.now();
  const r = parseRaw(await rawRequest(srv.url, head, body.slice(0, 40)));
  assert.ok(Date.now() - t0 >= 1500, 'answered only after the read timeout');
  await refusedAndHarmless({ ...r, text: JSON.stringify(r.json) }, 408, 'timeout');
});

test('a body cut short is 400 and stores nothing', async () => {
  // The client sends half the body and closes its side. httplib will not write to a socket
  // whose peer has closed, so the 400 is seen in the server's log rather than on the wire.
  const body = JSON.stringify(pushBody([bundle]));
  const head = `POST /api/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ascToken}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const logBefore = srv.log().length;
  const answer = await rawRequest(srv.url, head, body.slice(0, body.length / 2), { end: true });
  if (answer) {
    const r = parseRaw(answer);
    await refusedAndHarmless({ ...r, text: JSON.stringify(r.json) }, 400, 'bad_request');
  } else {
    await refusedAndHarmless({ status: 400, json: { error: { code: 'bad_request', message: 'seen in the log only' } } }, 400, 'bad_request');
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.match(srv.log().slice(logBefore), /"path":"\/api\/push","status":400/);
});

test('unknown /api/ paths are JSON 404s', async () => {
  const r = await call(srv.url, 'GET', '/api/nothing-here');
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
});

test('odd Unicode (NUL, RTL override, combining marks) is stored and returned exactly', async () => {
  const odd = 'nul\u0000here \u202Eevil\u202C cafe\u0301 \u{1F600} \uFEFF end';
  const e = comment(lastEvent(), device, 100, ascAuthor(), odd);
  const r = await post(srv.url, '/api/push', pushBody([{ ...bundle, events: [e] }]), ascToken);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.added, 1);
  const all = await pullAll(srv.url, witness);
  const got = all.events.find((x) => x.id === e.id);
  assert.ok(got);
  assert.equal(got.body.text, odd);
  assert.equal(got.hash, e.hash);
  assert.deepEqual(got, e);
  baseline = all.events.length;
});

test('authentication: no token, a wrong token and a revoked device are 401', async () => {
  for (const token of [undefined, 'f'.repeat(64)]) {
    const r = await call(srv.url, 'GET', '/api/pull?cursor=0', { token });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'unauthorized');
  }
  const bad = await post(srv.url, '/api/login', { username: ASC.user, password: 'nope', device: 'x1' });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.error.code, 'bad_credentials');
  const t = await login(srv.url, 'health-lead', 'tablet-to-revoke');
  assert.equal((await call(srv.url, 'GET', '/api/me', { token: t })).status, 200);
  admin(dataDir, 'revoke-device', 'tablet-to-revoke');
  const r = await call(srv.url, 'GET', '/api/me', { token: t });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'unauthorized');
  const again = await post(srv.url, '/api/login', { username: 'health-lead', password: DEMO_PASSWORD, device: 'tablet-to-revoke' });
  assert.equal(again.status, 403);
  // Logging out ends a token too.
  const t2 = await login(srv.url, 'health-lead', 'tablet-2');
  assert.equal((await post(srv.url, '/api/logout', {}, t2)).status, 200);
  assert.equal((await call(srv.url, 'GET', '/api/me', { token: t2 })).status, 401);
  assert.equal((await call(srv.url, 'GET', '/api/me', { token: witness })).status, 200);
});

test('visibility: a non-party pulls nothing, then the whole history once added', async () => {
  const police = await login(srv.url, 'police-lead', 'police-lead-device');
  const before = await pullAll(srv.url, police);
  assert.equal(before.events.length, 0);
  cli(ascDb, 'challenge', 'add-party', challenge, '--name', 'Demo Safeguarding Lead (police)', '--agency', 'Demo Police');
  bundle = exportBundle(ascDb, challenge);
  const r = await post(srv.url, '/api/push', pushBody([bundle]), ascToken);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.added, 1);
  const afterAdd = await pullAll(srv.url, police, { cursor: before.cursor });
  const ids = new Set(afterAdd.events.map((e) => e.id));
  for (const e of bundle.events) assert.ok(ids.has(e.id), `police receive earlier event ${e.kind}`);
  assert.ok(BigInt(afterAdd.cursor) > BigInt(before.cursor));
  // Health is not a party: still nothing.
  const health = await login(srv.url, 'health-practitioner', 'health-device');
  assert.equal((await pullAll(srv.url, health)).events.length, 0);
  baseline = (await pullAll(srv.url, witness)).events.length;
});

test('pull pages by cursor without gaps or repeats; a no-op pull is small', async () => {
  const whole = await pullAll(srv.url, witness);
  const paged = await pullAll(srv.url, witness, { limit: 1 });
  assert.deepEqual(paged.events.map((e) => e.id), whole.events.map((e) => e.id));
  assert.equal(paged.cursor, whole.cursor);
  const noop = await call(srv.url, 'GET', `/api/pull?cursor=${whole.cursor}`, { token: witness });
  assert.equal(noop.json.bundles.length, 0);
  assert.equal(noop.json.more, false);
  assert.ok(noop.text.length < 200, `no-op pull body ${noop.text.length} bytes`);
  const bad = await call(srv.url, 'GET', '/api/pull?cursor=abc', { token: witness });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'cursor');
});

test('the Board\'s procedures: the whole set once, then a short "unchanged" for the version held', async () => {
  const full = await call(srv.url, 'GET', '/api/procedures', { token: witness });
  assert.equal(full.status, 200);
  assert.ok(full.json.procedures.length >= 5, 'the shipped procedures');
  assert.ok(full.json.holidays, 'with the bank-holiday data');
  assert.match(full.json.version, /^[0-9a-f]{64}$/);
  const same = await call(srv.url, 'GET', `/api/procedures?version=${full.json.version}`, { token: witness });
  assert.deepEqual(same.json, { version: full.json.version, unchanged: true });
  const other = await call(srv.url, 'GET', '/api/procedures?version=old', { token: witness });
  assert.equal(other.json.procedures.length, full.json.procedures.length);
  const anonymous = await call(srv.url, 'GET', '/api/procedures');
  assert.equal(anonymous.status, 401);
});

test('admin new-epoch changes the epoch; a client on the old one is told', async () => {
  const old = (await call(srv.url, 'GET', '/api/health')).json.epoch;
  admin(dataDir, 'new-epoch');
  const now = (await call(srv.url, 'GET', '/api/health')).json.epoch;
  assert.notEqual(now, old);
  const r = await post(srv.url, '/api/push', pushBody([bundle], old), ascToken);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'epoch_changed');
  const p = await call(srv.url, 'GET', `/api/pull?cursor=0&epoch=${old}`, { token: witness });
  assert.equal(p.status, 409);
  const ok = await post(srv.url, '/api/push', pushBody([bundle], now), ascToken);
  assert.equal(ok.status, 200);
  assert.equal(ok.json.added, 0);
});

test('SIGKILL mid-push: after a restart the bundle is stored whole or not at all', async () => {
  const dir = path.join(tmp, 'kill-data');
  let s = await startServer(dir);
  const db = clientDb('kill', ASC.person, ASC.agency);
  const id = openChallenge(db, ASC.person, ASC.agency, 'Demo Housing Trust');
  const b = exportBundle(db, id);
  const dev = b.events[0].device;
  let token = await login(s.url, ASC.user, dev);
  assert.equal((await post(s.url, '/api/push', pushBody([b]), token)).status, 200);
  const base = b.events.length;
  const seen = new Set();
  let seq = 1000;
  for (const delay of [0, 5, 15, 30, 60, 120]) {
    let parent = b.events[b.events.length - 1];
    const events = [];
    for (let i = 0; i < 2000; i++) {
      const e = comment(parent, dev, seq++, b.events[0].author, `bulk comment ${i} `.padEnd(300, '.'));
      events.push(e);
      parent = e;
    }
    const pending = post(s.url, '/api/push', pushBody([{ ...b, events }]), token).catch(() => null);
    await new Promise((r) => setTimeout(r, delay));
    s.proc.kill('SIGKILL');
    const answer = await pending;
    await new Promise((r) => s.proc.exitCode !== null || s.proc.signalCode !== null ? r() : s.proc.on('exit', r));
    s = await startServer(dir);
    token = await login(s.url, ASC.user, dev);
    const all = await pullAll(s.url, token);
    const mine = all.events.filter((e) => events.some((x) => x.id === e.id)).length;
    const stored = all.events.length - base - [...seen].length;
    assert.ok(mine === 0 || mine === 2000, `partial bundle after SIGKILL at ${delay} ms: ${mine} of 2000`);
    assert.equal(stored, mine);
    if (answer && answer.status === 200) assert.equal(mine, 2000, 'an acknowledged push survives');
    if (mine) for (const e of events) seen.add(e.id);
  }
  await stopServer(s);
});

test('SIGTERM stops the server cleanly', async () => {
  const s = await startServer(path.join(tmp, 'term-data'));
  const code = await new Promise((resolve) => { s.proc.on('exit', (c) => resolve(c)); s.proc.kill('SIGTERM'); });
  assert.equal(code, 0);
  assert.match(s.log(), /stopped/);
  // The request log names no token, password or subject detail.
  const requests = srv.log().split('\n').filter((l) => l.startsWith('{'));
  assert.ok(requests.length > 20);
  for (const l of requests) {
    assert.ok(!l.includes(ascToken) && !l.includes('Alex Example') && !l.includes(DEMO_PASSWORD), l);
    assert.doesNotMatch(l, /cursor=/);
  }
});
