// tests/sync/cli_sync.test.mjs — `parley login` and `parley sync` end to end: the real
// parley-server (demo users) and two CLI databases, as two users of two agencies, exchange
// a challenge; a third agency that is not a party sees nothing of it (guarantee 8); a
// second sync moves nothing; a wrong password fails with one line and leaves no database.
//
// Binaries from the environment (defaults: the native-debug build):
//   PARLEY_SERVER_BIN  build/native-debug/tools/server/parley-server
//   PARLEY_CLI_BIN     build/native-debug/parley
// Run: node --test tests/sync/cli_sync.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVER = process.env.PARLEY_SERVER_BIN || join(ROOT, 'build/native-debug/tools/server/parley-server');
const CLI = process.env.PARLEY_CLI_BIN || join(ROOT, 'build/native-debug/parley');

let dir, server, url;
const passwords = {};   // demo username -> password, as the server prints them

before(async () => {
  assert.ok(existsSync(SERVER), `no server binary at ${SERVER}: build it or set PARLEY_SERVER_BIN`);
  assert.ok(existsSync(CLI), `no CLI binary at ${CLI}: build it or set PARLEY_CLI_BIN`);
  dir = mkdtempSync(join(tmpdir(), 'parley-cli-sync-'));
  server = spawn(SERVER, ['serve', '--data', join(dir, 'server'), '--listen', '127.0.0.1:0', '--demo'],
                 { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not say where it listens:\n${text}`)), 15000);
    const read = (chunk) => {
      text += chunk;
      const m = text.match(/listening on (https?:\/\/[^\s/]+)/);
      if (m) { clearTimeout(timer); resolveUrl(m[1]); }
    };
    server.stdout.on('data', read);
    server.stderr.on('data', read);
    server.on('exit', (code) => reject(new Error(`server exited (${code}):\n${text}`)));
  });
  // "  asc-practitioner   password demo   Demo Practitioner (asc), ..."
  for (const m of text.matchAll(/^\s+(\S+)\s+password\s+(\S+)/gm)) passwords[m[1]] = m[2];
});

after(() => {
  if (server) server.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function parley(db, args, input) {
  const r = spawnSync(CLI, ['--db', join(dir, db), ...args], { input, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function ok(db, args, input) {
  const r = parley(db, args, input);
  assert.equal(r.code, 0, `parley ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}
const json = (db, args, input) => JSON.parse(ok(db, [...args, '--json'], input));

function login(db, user) {
  assert.ok(passwords[user], `the demo server did not list ${user}: ${JSON.stringify(Object.keys(passwords))}`);
  return json(db, ['login', '--server', url, '--user', user, '--password-stdin', '--device-name', db], passwords[user] + '\n');
}

test('two agencies exchange a challenge through login and sync', () => {
  const a = login('a.db', 'asc-practitioner');
  const b = login('b.db', 'housing-practitioner');
  const c = login('c.db', 'police-practitioner');
  assert.notEqual(a.user.agency, b.user.agency);

  // A raises a challenge against B's agency, as the signed-in user.
  const opened = json('a.db', ['challenge', 'open', '--procedure', 'shropshire-sscp', '--imminent-risk', 'no',
    '--subject-name', 'Alex Testperson', '--challenger-name', a.user.name, '--challenger-agency', a.user.agency,
    '--challenger-job-title', a.user.job_title || 'Practitioner',
    '--challenged-agency', b.user.agency, '--category', 'response_to_referral', '--summary', 'Referral closed without contact']);
  const id = opened.id || opened.challenge;
  assert.ok(id, `no challenge id in ${JSON.stringify(opened)}`);
  assert.equal(json('a.db', ['sync', 'status']).pending, 1);

  const pushed = json('a.db', ['sync']);
  assert.equal(pushed.state, 'idle');
  assert.equal(pushed.pushed, 1);
  assert.equal(pushed.acked, 1);
  assert.equal(pushed.pending, 0);

  // B receives it, comments, and sends the comment back.
  const pulled = json('b.db', ['sync']);
  assert.equal(pulled.pulled, 1);
  ok('b.db', ['challenge', 'comment', id, '--text', 'We will look at the referral again']);
  const back = json('b.db', ['sync']);
  assert.equal(back.acked, 1);
  assert.equal(json('a.db', ['sync']).pulled, 1);
  const shown = json('a.db', ['challenge', 'show', id]);
  assert.match(JSON.stringify(shown), /We will look at the referral again/);

  // Quiet: nothing moves on a second sync; both hold the same two events.
  for (const db of ['a.db', 'b.db']) {
    const again = json(db, ['sync']);
    assert.equal(again.pushed + again.pulled, 0, `${db} moved events on a quiet sync`);
    assert.equal(again.pending, 0);
  }

  // An agency that is not a party sees nothing of it.
  const other = json('c.db', ['sync']);
  assert.equal(other.pulled, 0);
  assert.equal(parley('c.db', ['challenge', 'show', id]).code, 1);
});

test('a wrong password fails with one line and leaves no database behind', () => {
  const r = parley('wrong.db', ['login', '--server', url, '--user', 'asc-practitioner', '--password-stdin'], 'not-the-password\n');
  assert.equal(r.code, 1);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.match(r.err, /^parley: /);
  assert.ok(!existsSync(join(dir, 'wrong.db')));
});

test('sync without signing in says what to do', () => {
  ok('fresh.db', ['identity', 'set', '--name', 'Sam Example', '--agency', 'Demo Adult Social Care']);
  const r = parley('fresh.db', ['sync']);
  assert.equal(r.code, 1);
  assert.match(r.err, /login --server URL/);
});
