// tests/server/wipe.test.mjs — revoke and wipe end to end (issue 11 item 4): the real
// parley-server on loopback (PARLEY_SERVER_BIN), `admin revoke-device --wipe`, and the real
// `parley` CLI (PARLEY_CLI_BIN, the sync engine of sync/client.h) as the devices.
//   - a device marked for wipe is answered 410 with "wipe": true at its next contact (push,
//     pull, any endpoint, a sign-in with the right password); its CLI reports "wipe
//     requested", keeps its unsynced change, sends nothing more, and says so again after a
//     restart; list-devices shows WIPE REQUESTED, then "told to wipe at <time>"; the push
//     it carried when told is in list-quarantine;
//   - the same user's other device, a plainly revoked device (401 / 403, no wipe), a token
//     never issued (401, never 410) and the health probe (the same answer with any token)
//     are as before.
// The engine's side of every phase is tested in tests/sync/test_client.cpp; the store's
// in tests/server/test_server_accounts.cpp.
//
// Run: node --test tests/server/wipe.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  AGENCIES, CLI_BIN, Device, admin, assertRefused, call, checkBinaries, cliRun, makeTmp, post, pushBody, quarantine, run,
  signIn, startServer, stopServer,
} from './attack_support.mjs';

const tmp = makeTmp();
let srv;
before(async () => {
  checkBinaries();
  srv = await startServer(path.join(tmp, 'server'));
});
after(async () => {
  await stopServer(srv);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const db = (name) => path.join(tmp, name);
const parley = (name, args, opts) => run(CLI_BIN, ['--db', db(name), ...args], opts);

async function cliLogin(name, user) {
  const out = await cliRun(db(name), ['login', '--server', srv.url, '--user', user, '--password-stdin', '--device-name', name,
    '--json'], { input: `${srv.password(user)}\n` });
  return JSON.parse(out);   // {server, device, user}
}

// `parley sync` (or `sync status`) with --json: {status, state, pending, last_error, ...}.
async function cliSync(name, ...more) {
  const r = await parley(name, ['sync', ...more, '--json']);
  let json;
  try { json = JSON.parse(r.stdout); } catch { assert.fail(`parley sync ${more.join(' ')} printed no JSON: ${r.text}`); }
  return { ...json, status: r.status, stderr: r.stderr };
}

async function devicesLine(device) {
  const r = await admin(srv.dataDir, ['list-devices']);
  assert.equal(r.status, 0, r.text);
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${device}\t`));
  assert.ok(line, `list-devices shows ${device}:\n${r.stdout}`);
  return line;
}

// The server's request log lines about `device` (one JSON line per request).
const logLinesOf = (device) => srv.log().split('\n').filter((l) => l.includes(`"device":"${device}"`));

test('revoke --wipe: the device\'s next sync is told 410 wipe and the CLI reports it; its user\'s other device goes on', async () => {
  const lost = await cliLogin('lost.db', 'asc-practitioner');
  const spare = await cliLogin('spare.db', 'asc-practitioner');
  const u = lost.user;
  await cliRun(db('lost.db'), ['challenge', 'open', '--procedure', 'shropshire-sscp', '--imminent-risk', 'no',
    '--subject-name', 'Alex Testperson', '--challenger-name', u.name, '--challenger-agency', u.agency,
    '--challenger-job-title', u.job_title || 'Practitioner', '--challenged-agency', AGENCIES.housing,
    '--category', 'response_to_referral', '--summary', 'Referral closed without contact']);
  assert.equal((await cliSync('lost.db', 'status')).pending, 1, 'one change not yet at the office');

  const a = await admin(srv.dataDir, ['revoke-device', lost.device, '--wipe']);
  assert.equal(a.status, 0, a.text);
  assert.match(a.stdout, /erase/);
  assert.match(await devicesLine(lost.device), /\tREVOKED\tWIPE REQUESTED$/);

  // The next contact is a push (it has a change to send): 410 wipe, nothing kept.
  const told = await cliSync('lost.db');
  assert.equal(told.status, 1, 'sync fails');
  assert.equal(told.state, 'wipe requested');
  assert.equal(told.pending, 1, 'the change stays (the app erases the store, not the engine)');
  assert.match(told.stderr, /erase its Parley records/);
  assert.ok(logLinesOf(lost.device).some((l) => l.includes('"path":"/api/push"') && l.includes('"status":410')),
    `the request log names the device told:\n${logLinesOf(lost.device).join('\n')}`);
  const toldLine = await devicesLine(lost.device);
  assert.match(toldLine, /\tREVOKED\ttold to wipe at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  const q = (await quarantine(srv.dataDir)).filter((row) => row.device === `device ${lost.device}`);
  assert.equal(q.length, 1, 'the push it carried when told is noted once');
  assert.equal(q[0].code, 'wipe_requested');

  // A restarted CLI still knows, and sends nothing: no new request from that device.
  const seen = logLinesOf(lost.device).length;
  assert.equal((await cliSync('lost.db', 'status')).state, 'wipe requested');
  const again = await cliSync('lost.db');
  assert.equal(again.status, 1);
  assert.equal(again.state, 'wipe requested');
  assert.equal(logLinesOf(lost.device).length, seen, 'nothing was sent once told');
  assert.equal(await devicesLine(lost.device), toldLine, 'the time told is the first');
  assert.equal((await quarantine(srv.dataDir)).filter((row) => row.device === `device ${lost.device}`).length, 1);

  // Signing in again on it is told the same.
  const relog = await parley('lost.db', ['login', '--server', srv.url, '--user', 'asc-practitioner', '--password-stdin'],
    { input: `${srv.password('asc-practitioner')}\n` });
  assert.equal(relog.status, 1, relog.text);
  assert.match(relog.stderr, /erase its Parley records/);

  // The same user's other device is not touched.
  const other = await cliSync('spare.db');
  assert.equal(other.status, 0, other.stderr);
  assert.equal(other.state, 'idle');
  assert.doesNotMatch(await devicesLine(spare.device), /REVOKED|WIPE|wipe/);
});

test('a plain revoke is answered as before (401, then 403 at sign-in) with no wipe', async () => {
  const plain = await cliLogin('plain.db', 'police-practitioner');
  const a = await admin(srv.dataDir, ['revoke-device', plain.device]);
  assert.equal(a.status, 0, a.text);
  assert.doesNotMatch(a.stdout, /erase/);
  const s = await cliSync('plain.db');
  assert.equal(s.status, 1);
  assert.equal(s.state, 'needs sign-in');
  assert.match(await devicesLine(plain.device), /\tREVOKED$/);

  const d = await Device.signIn(srv, 'police-lead', 'plain-raw-device');
  assert.equal((await admin(srv.dataDir, ['revoke-device', d.id])).status, 0);
  const r = await call(srv.url, 'GET', '/api/pull?cursor=0', { token: d.token });
  assertRefused(r, 401, 'unauthorized');
  assert.equal(r.json.error.wipe, undefined);
  const again = await signIn(srv.url, 'police-lead', srv.password('police-lead'), d.id);
  assertRefused(again, 403, 'forbidden');
  assert.equal(again.json.error.wipe, undefined);
});

test('every endpoint tells a wiped device\'s token 410; a token never issued is 401; health tells nothing', async () => {
  const d = await Device.signIn(srv, 'health-practitioner', 'wiped-raw-device');
  const healthBefore = await call(srv.url, 'GET', '/api/health', { token: d.token });
  // Marked after a plain revoke: a device already revoked can be wiped too.
  assert.equal((await admin(srv.dataDir, ['revoke-device', d.id])).status, 0);
  assert.equal((await admin(srv.dataDir, ['revoke-device', d.id, '--wipe'])).status, 0);

  const asks = [
    ['GET', '/api/pull?cursor=0'], ['GET', '/api/me'], ['GET', '/api/procedures'], ['GET', '/api/aggregates'],
    ['GET', '/api/board/dashboard'], ['POST', '/api/push', pushBody([])], ['POST', '/api/logout', {}],
  ];
  for (const [method, p, body] of asks) {
    const r = method === 'POST' ? await post(srv.url, p, body, d.token) : await call(srv.url, method, p, { token: d.token });
    assertRefused(r, 410, 'wipe_requested');
    assert.equal(r.json.error.wipe, true, `${method} ${p}: ${r.text}`);
    assert.match(r.json.error.message, /erase its Parley records/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
  }
  // A sign-in naming it: with the right password told; with a wrong one, nothing learnt.
  const right = await signIn(srv.url, 'health-practitioner', srv.password('health-practitioner'), d.id);
  assertRefused(right, 410, 'wipe_requested');
  assert.equal(right.json.error.wipe, true);
  assert.equal(right.json.token, undefined);
  const wrong = await signIn(srv.url, 'health-practitioner', 'not-the-password-at-all', d.id);
  assertRefused(wrong, 401, 'bad_credentials');
  assert.equal(wrong.json.error.wipe, undefined);

  // A stranger's token is 401, never 410, on the same endpoints.
  for (const token of ['f'.repeat(64), d.token.replace(/^./, (c) => (c === '0' ? '1' : '0'))]) {
    const r = await call(srv.url, 'GET', '/api/pull?cursor=0', { token });
    assertRefused(r, 401, 'unauthorized');
    assert.equal(r.json.error.wipe, undefined);
  }
  // The probe answers the same whatever token it is shown.
  for (const token of [d.token, 'f'.repeat(64), undefined]) {
    const h = await call(srv.url, 'GET', '/api/health', { token });
    assert.equal(h.status, 200);
    assert.equal(h.text, healthBefore.text);
  }
  assert.match(await devicesLine(d.id), /\tREVOKED\ttold to wipe at /);
});
