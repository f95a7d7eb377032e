// tests/server/agencies.test.mjs — the Board's agency directory end to end (core/agencies.h,
// docs/sync-protocol.md "GET /api/agencies", docs/board.md): the real parley-server (--demo)
// on loopback and the real CLI.
//   - GET /api/agencies needs a device token, lists the directory and answers "unchanged"
//     to a device that holds the version;
//   - one `parley sync` brings the directory into the device's store; from then on the CLI
//     refuses an agency not in it (naming close matches, saying to pass
//     --agency-not-listed), with no server contact; a marked one syncs and is flagged to the
//     administrator (admin list-unlisted, the dashboard's count) and reaches no listed agency;
//   - the server refuses a pushed opening naming an unlisted agency without the marker.
// Synthetic data only.
//
// Run: node --test tests/server/agencies.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AGENCIES, CLI_BIN, Device, admin, assertRefused, call, checkBinaries, makeTmp, push, quarantine, rehash, run,
  signIn, startServer, stopServer,
} from './attack_support.mjs';

let tmp, srv;

before(async () => {
  checkBinaries();
  tmp = makeTmp();
  srv = await startServer(path.join(tmp, 'server'));
});
after(async () => {
  await stopServer(srv);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// The CLI on `db`, never throwing: {status, stdout, stderr}.
const parley = (db, args, input = '') => run(CLI_BIN, ['--db', path.join(tmp, db), ...args], { input });
async function ok(db, args, input) {
  const r = await parley(db, args, input);
  assert.equal(r.status, 0, `parley ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const json = async (db, args, input) => JSON.parse(await ok(db, [...args, '--json'], input));
const login = (db, user) => json(db, ['login', '--server', srv.url, '--user', user, '--password-stdin', '--device-name', db],
  srv.password(user) + '\n');

function openArgs(me, against, extra = []) {
  return ['challenge', 'open', '--procedure', 'shropshire-sscp', '--imminent-risk', 'no', '--subject-name', 'Alex Testperson',
    '--challenger-name', me.name, '--challenger-agency', me.agency, '--challenger-job-title', me.job_title || 'Practitioner',
    '--challenged-agency', against, '--category', 'response_to_referral', '--summary', 'Referral closed without contact.',
    ...extra];
}

test('GET /api/agencies: a device token, the Board\'s directory, "unchanged" for the version held', async () => {
  assertRefused(await call(srv.url, 'GET', '/api/agencies'), 401, 'unauthorized');
  const r = await signIn(srv.url, 'housing-practitioner', srv.password('housing-practitioner'), 'dev-agencies-http');
  assert.equal(r.status, 200, r.text);
  const token = r.json.token;
  const first = await call(srv.url, 'GET', '/api/agencies', { token });
  assert.equal(first.status, 200, first.text);
  for (const a of Object.values(AGENCIES)) assert.ok(first.json.agencies.includes(a), `${a} is listed: ${first.text}`);
  assert.deepEqual(first.json.agencies, [...first.json.agencies].sort(), 'in name order');
  const v = first.json.version;
  const same = await call(srv.url, 'GET', `/api/agencies?version=${v}`, { token });
  assert.deepEqual(same.json, { version: v, unchanged: true });
  assert.ok(same.text.length < 100, `a short answer: ${same.text}`);

  const added = await admin(srv.dataDir, ['add-agency', 'Demo Fire and Rescue']);
  assert.equal(added.status, 0, added.text);
  const changed = await call(srv.url, 'GET', `/api/agencies?version=${v}`, { token });
  assert.notEqual(changed.json.version, v);
  assert.ok(changed.json.agencies.includes('Demo Fire and Rescue'));
});

test('the CLI: one sync brings the list; an unlisted agency is refused offline; --agency-not-listed is flagged', async () => {
  const asc = (await login('asc.db', 'asc-practitioner')).user;
  const police = await login('police.db', 'police-practitioner');
  assert.equal(police.user.agency, AGENCIES.police);
  assert.equal((await json('asc.db', ['sync'])).state, 'idle');   // brings the directory

  // The server is not asked: the refusal comes from the device's own copy of the list.
  const refused = await parley('asc.db', openArgs(asc, 'Police'));
  assert.equal(refused.status, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /'Police' is not in the Board's list of agencies/);
  assert.match(refused.stderr, /close matches: 'Demo Police'/);
  assert.match(refused.stderr, /--agency-not-listed/);
  assert.equal((await json('asc.db', ['sync', 'status'])).pending, 0, 'nothing was written');

  // Case and spacing aside, the list's own spelling is written.
  const listed = await json('asc.db', openArgs(asc, 'demo  police'));
  assert.equal(listed.agency_not_listed, false);
  const shown = await json('asc.db', ['challenge', 'show', listed.challenge]);
  assert.match(JSON.stringify(shown), /"Demo Police"/);

  const marked = await json('asc.db', openArgs(asc, 'Police', ['--agency-not-listed']));
  assert.equal(marked.agency_not_listed, true);
  const pushed = await json('asc.db', ['sync']);
  assert.equal(pushed.acked, 2, JSON.stringify(pushed));
  assert.equal(pushed.pending, 0);

  // Demo Police receives the one named as the list names it, not the other.
  assert.equal((await json('police.db', ['sync'])).pulled, 1);
  const theirs = JSON.stringify(await json('police.db', ['challenge', 'list']));
  assert.ok(theirs.includes(listed.challenge) && !theirs.includes(marked.challenge), theirs);

  // Flagged for the administrator, by name only at the console.
  const flagged = await admin(srv.dataDir, ['list-unlisted']);
  assert.equal(flagged.status, 0, flagged.text);
  const lines = flagged.stdout.trim().split('\n');
  assert.equal(lines.length, 1, flagged.stdout);
  assert.match(lines[0], new RegExp(`${marked.challenge}.*${AGENCIES.asc}.*against "Police".*NOT IN THE DIRECTORY`));
  const board = await signIn(srv.url, 'board', srv.password('board'), 'dev-agencies-board');
  const dash = await call(srv.url, 'GET', '/api/board/dashboard', { token: board.json.token });
  assert.equal(dash.status, 200, dash.text);
  assert.equal(dash.json.agencies_not_listed, 1);
  assert.ok(!dash.text.includes('"Police"'), 'the dashboard never shows the name as typed');
});

test('the server refuses a pushed opening naming an unlisted agency without the marker', async () => {
  const d = await Device.signIn(srv, 'health-practitioner');
  const opening = d.open(tmp, 'Police');
  delete opening.body.agency_not_listed;
  rehash(opening);
  const r = await push(d.url, d.token, [opening]);
  assertRefused(r, 409, 'agency_not_listed', { field: 'bundles[0].events[0].body.challenged.agency' });
  assert.match(r.json.error.message, /Demo Police/);
  assert.ok((await quarantine(srv.dataDir)).some((q) => q.code === 'agency_not_listed'), 'the refusal is in the quarantine');
  // The same opening, marked, is taken.
  opening.body.agency_not_listed = true;
  rehash(opening);
  assert.equal((await push(d.url, d.token, [opening])).status, 200);
});
