// tests/server/attack_support.mjs — what tests/server/attacks.test.mjs needs to replay an
// attack against a real parley-server on loopback: start and stop a server with a fresh
// --data directory and the --demo users (their passwords read from its stderr), run its
// admin commands (password on standard input, never argv), HTTP calls, and devices that
// sign in and write events exactly as a client does (canonical JSON of core/event.h:
// keys sorted, no spaces, UTF-8, without "hash"; SHA-256 hex of that is the hash), so
// that the only thing wrong with an attack's event is the attack itself.
//
// Copied in part from tests/server/api.test.mjs (startServer, call, pullAll, canon).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const SERVER_BIN = process.env.PARLEY_SERVER_BIN || path.join(ROOT, 'build/native-debug/tools/server/parley-server');
export const CLI_BIN = process.env.PARLEY_CLI_BIN || path.join(path.resolve(path.dirname(SERVER_BIN), '..', '..'), 'parley');

export const AGENCIES = {
  asc: 'Demo Adult Social Care',
  housing: 'Demo Housing Trust',
  police: 'Demo Police',
  health: 'Demo Community Health',
};

// One temporary directory per test file (removed by cleanup()).
export function makeTmp() {
  return fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'parley-attacks-'));
}

export function checkBinaries() {
  assert.ok(fs.existsSync(SERVER_BIN), `parley-server missing: ${SERVER_BIN} (build it, or set PARLEY_SERVER_BIN)`);
  assert.ok(fs.existsSync(CLI_BIN), `parley CLI missing: ${CLI_BIN} (build it, or set PARLEY_CLI_BIN)`);
}

// ---- the server ----------------------------------------------------------------------

// The demo sign-ins printed at start: "  asc-practitioner   password XXXX   Demo ...".
export function demoPasswords(log) {
  const out = new Map();
  for (const m of log.matchAll(/^\s+([a-z][a-z-]*)\s+password\s+(\S+)\s/gm)) out.set(m[1], m[2]);
  return out;
}

// Starts `parley-server serve --data DIR --listen 127.0.0.1:0 --demo` (or without --demo:
// no users); resolves once it
// prints "listening on". With `template` (from demoTemplate), DIR is first made a copy of
// the template's data directory, so the demo users (and their passwords) are there
// without hashing nine passwords again. Returns {url, proc, dataDir, log(), password(username)}.
export async function startServer(dataDir, { template, demo = true, extra = [] } = {}) {
  if (template) {
    assert.ok(!fs.existsSync(dataDir), `${dataDir} is new`);
    fs.cpSync(template.dataDir, dataDir, { recursive: true });
  }
  const args = ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', ...(demo ? ['--demo'] : []), '--read-timeout', '2', ...extra];
  const proc = spawn(SERVER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`server did not start:\n${log}`)); }, 30000);
    const look = () => {
      const m = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); proc.stderr.off('data', look); proc.off('exit', exited); resolve(m[1]); }
    };
    const exited = (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${log}`)); };
    proc.stderr.on('data', look);
    proc.on('exit', exited);
    proc.on('error', (e) => { clearTimeout(timer); reject(new Error(`server did not start: ${e.message}`)); });
  });
  const passwords = template ? template.passwords : demoPasswords(log);
  if (demo) assert.ok(passwords.size >= 9, `the demo sign-ins are printed at start:\n${log}`);
  return {
    url, proc, dataDir,
    log: () => log,
    password: (username) => {
      assert.ok(passwords.has(username), `no demo password printed for ${username}`);
      return passwords.get(username);
    },
  };
}

// A data directory with the demo users, made once by a real `serve --demo` (then stopped),
// and the passwords it printed: {dataDir, passwords}.
export async function demoTemplate(dataDir) {
  const srv = await startServer(dataDir);
  const passwords = demoPasswords(srv.log());
  await stopServer(srv);
  assert.equal(srv.proc.exitCode, 0, `the template server stopped cleanly:\n${srv.log()}`);
  return { dataDir, passwords };
}

export function stopServer(s) {
  return new Promise((resolve) => {
    if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve();
    const timer = setTimeout(() => s.proc.kill('SIGKILL'), 5000);
    s.proc.on('exit', () => { clearTimeout(timer); resolve(); });
    s.proc.kill('SIGTERM');
  });
}

// Runs a program without blocking the event loop (other tests' requests go on); `input`
// goes to its standard input. Never rejects for an exit status: {status, stdout, stderr, text}.
export function run(bin, args, { input = '', timeout = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeout);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status: signal ? `killed by ${signal}` : status, stdout, stderr, text: stdout + stderr });
    });
    proc.stdin.on('error', () => {});   // a program that exits without reading its input
    proc.stdin.end(input);
  });
}

// `parley-server admin --data DIR ...args`, the password (if any) on standard input.
export const admin = (dataDir, args, opts) => run(SERVER_BIN, ['admin', '--data', dataDir, ...args], opts);

// `admin list-quarantine` as rows {at, user, device, code, field, bytes}.
export async function quarantine(dataDir) {
  const r = await admin(dataDir, ['list-quarantine']);
  assert.equal(r.status, 0, r.text);
  return r.stdout.split('\n').filter((l) => l.trim()).map((l) => {
    const c = l.split('\t');
    return { line: l, at: c[0], user: c[1], device: c[2], code: c[3], field: c[4], bytes: c[5] };
  });
}

// The CLI on database `db`; throws (with its output) when it fails.
export async function cliRun(db, args, opts) {
  const r = await run(CLI_BIN, ['--db', db, ...args], opts);
  assert.equal(r.status, 0, `parley ${args.join(' ')}: ${r.text}`);
  return r.stdout;
}

// ---- HTTP ----------------------------------------------------------------------------

// One request on its own connection (Connection: close): no idle keep-alive connection
// for the server to close under a later request, none to hold up its shutdown.
export function call(url, method, p, { token, body, type = 'application/json' } = {}) {
  const headers = { Connection: 'close' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    body = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    headers['Content-Type'] = type;
    headers['Content-Length'] = body.length;
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url + p, { method, headers, agent: false, timeout: 15000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, json, text, headers: { get: (name) => res.headers[name.toLowerCase()] ?? null } });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p}: no answer in 15 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const post = (url, p, obj, token) =>
  call(url, 'POST', p, { token, body: typeof obj === 'string' || Buffer.isBuffer(obj) ? obj : JSON.stringify(obj) });

export const pushBody = (bundles, epoch = null) => ({ format: 'parley-push', version: 1, epoch, bundles });

export function bundleOf(events, { board = 'Shropshire Safeguarding Community Partnership', procedure = 'shropshire-sscp' } = {}) {
  return { format: 'parley-bundle', version: 1, board, procedure, challenge: events[0].challenge, events };
}

export const push = (url, token, events, opts) => post(url, '/api/push', pushBody([bundleOf(events, opts)]), token);

export function signIn(url, username, password, device, deviceName = 'attack test') {
  return post(url, '/api/login', { username, password, device, device_name: deviceName });
}

// Every page of the caller's feed, following the cursor (bounded: at most 200 pages).
export async function pullAll(url, token, { cursor = '0', limit } = {}) {
  const events = [];
  const cursors = [];
  for (let page = 0; page < 200; page++) {
    const r = await call(url, 'GET', `/api/pull?cursor=${cursor}${limit ? `&limit=${limit}` : ''}`, { token });
    assert.equal(r.status, 200, r.text);
    for (const b of r.json.bundles) for (const e of b.events) events.push(e);
    cursor = r.json.cursor;
    cursors.push(cursor);
    if (!r.json.more) return { events, cursor, cursors, pages: page + 1 };
  }
  assert.fail('the feed did not end within 200 pages');
}

// Refusal with a JSON error body naming the problem.
export function assertRefused(r, status, code, { field } = {}) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status}: ${r.text}`);
  assert.equal(r.json?.error?.code, code, r.text);
  assert.ok(typeof r.json.error.message === 'string' && r.json.error.message.length > 10, 'the message says what is wrong');
  if (field instanceof RegExp) assert.match(r.json.error.field ?? '', field, r.text);
  else if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

// ---- events --------------------------------------------------------------------------

export function canon(v) {
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
  if (v && typeof v === 'object') return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
  return JSON.stringify(v);
}
export function rehash(e) {
  const { hash, ...rest } = e;
  e.hash = createHash('sha256').update(canon(rest), 'utf8').digest('hex');
  return e;
}

export function cli(db, ...args) {
  return execFileSync(CLI_BIN, ['--db', db, ...args], { encoding: 'utf8', env: { ...process.env, PARLEY_NOW: '' } });
}

// The body of a challenge_opened as the real client writes it for `procedure` (the engine
// adds the Board's name and the procedure's digest): opened once with the CLI in a
// scratch database, then reused as the template for every opening made here.
const templates = new Map();
export function openingTemplate(tmp, procedure = 'shropshire-sscp') {
  if (templates.has(procedure)) return structuredClone(templates.get(procedure));
  const db = path.join(tmp, `template-${procedure}.db`);
  cli(db, 'identity', 'set', '--name', 'Template Person', '--agency', 'Template Agency', '--role', 'practitioner');
  const id = JSON.parse(cli(db, '--json', 'challenge', 'open', '--procedure', procedure, '--imminent-risk', 'no',
    '--subject-name', 'Template Subject', '--challenger-name', 'Template Person', '--challenger-agency', 'Template Agency',
    '--challenged-agency', 'Other Agency', '--category', 'information_sharing', '--summary', 'Template.')).challenge;
  const opened = JSON.parse(cli(db, 'export', id)).events.find((e) => e.kind === 'challenge_opened');
  assert.ok(opened, 'the CLI wrote a challenge_opened');
  templates.set(procedure, { body: opened.body, prefix: id.split('-')[0] });
  return structuredClone(templates.get(procedure));
}

const B32 = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function challengeId(prefix) {
  return `${prefix}-${Array.from(randomBytes(8), (b) => B32[b % B32.length]).join('')}`;
}

// A signed-in device: the user the server returned is the author of everything it writes,
// its sequence numbers run 1, 2, ... as a client's do.
export class Device {
  constructor(url, user, id, token) {
    this.url = url;
    this.user = user;
    this.id = id;
    this.token = token;
    this.seq = 0;
    this.author = { name: user.name, job_title: user.job_title, agency: user.agency, role: user.role };
  }

  static async signIn(srv, username, id = `dev-${username}-${randomBytes(6).toString('hex')}`) {
    const r = await signIn(srv.url, username, srv.password(username), id);
    assert.equal(r.status, 200, `sign-in of ${username} on ${id}: ${r.text}`);
    return new Device(srv.url, r.json.user, id, r.json.token);
  }

  // An event after `parents` (events), hashed as a client hashes it.
  event(kind, challenge, parents, body, { at = Date.now(), seq = ++this.seq } = {}) {
    const now = Date.now();
    return rehash({
      id: randomBytes(16).toString('hex'), challenge, device: this.id, seq, kind, at, hlc: [Math.max(now, at), 0],
      author: { ...this.author }, parents: parents.map((p) => p.id), parent_hashes: parents.map((p) => p.hash), body,
    });
  }

  // A challenge_opened of `procedure` raised by this device's user against `challenged`.
  open(tmp, challenged, { procedure = 'shropshire-sscp', subject = 'Alex Example', at } = {}) {
    const t = openingTemplate(tmp, procedure);
    const body = {
      ...t.body,
      challenger: { name: this.author.name, job_title: this.author.job_title, agency: this.author.agency, role: this.author.role },
      challenged: { agency: challenged },
      subject: { name: subject },
      summary: 'Synthetic test challenge: the referral was closed without contact.',
    };
    return this.event('challenge_opened', challengeId(t.prefix), [], body, { at });
  }

  escalation(parent, from, to, extra = {}) {
    return this.event('escalated', parent.challenge, [parent],
      { from_stage: from, to_stage: to, reason: 'No agreement at this stage.', tried: 'Phone call and email.', ...extra });
  }

  comment(parent, text) {
    return this.event('comment', parent.challenge, [parent], { text });
  }

  push(events, opts) { return push(this.url, this.token, events, opts); }
  pull(opts) { return pullAll(this.url, this.token, opts); }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
