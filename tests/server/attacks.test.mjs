// tests/server/attacks.test.mjs — the attacks of issue 8, each replayed against a real
// parley-server on loopback, so that removing a control makes its test fail.
//
// Every test starts its own server (PARLEY_SERVER_BIN, default build/native-debug/tools/
// server/parley-server) on 127.0.0.1 port 0 with a fresh --data directory: a copy of one
// made by `serve --demo` before the tests (so the nine demo passwords are hashed once), the
// passwords read from that server's stderr; test 9 starts on a new, empty directory. The
// tests run three at a time and stop their servers whatever happens. Events are written as
// a client writes them (tests/server/attack_support.mjs: canonical JSON, SHA-256 hash, the
// signed-in user as author, the device's own sequence numbers), so the only thing wrong
// with an attack's event is the attack itself. The attacks (docs/security.md, ../shared/brief/
// security.md):
//   1. poison event: a body field of the wrong type that other devices could not fold;
//   2. device takeover: another agency's user signing in with a device id already in use;
//   3. silent rewrite: the other party pushing a second, earlier challenge_opened;
//   4. early Board access: an escalation that skips stages to reach the Board's stage;
//      and, the other way, the legitimate chain that does reach it;
//   5. (slow connections: tests/server/slow.test.mjs);
//   6. accounts: disable-user, set-password (standard input only), 12-character minimum,
//      one token per device, revoke-device;
//   7. guessing passwords: throttled with 429 too_many_attempts and Retry-After, logged
//      with the username and the client address;
//   8. wrong JSON types in the request, the bundle and the event: 400, never 500, and
//      quarantined;
//   9. files: the data directory 0700, the databases 0600 (server and CLI).
//
// Run: node --test tests/server/attacks.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import {
  AGENCIES, CLI_BIN, Device, ROOT, admin, assertRefused, bundleOf, call, checkBinaries, cliRun, demoTemplate, makeTmp,
  openingTemplate, post, pushBody, quarantine, run, signIn, sleep, startServer, stopServer,
} from './attack_support.mjs';

const tmp = makeTmp();
let template;
before(async () => {
  checkBinaries();
  openingTemplate(tmp);   // the CLI's challenge_opened body, once
  template = await demoTemplate(path.join(tmp, 'demo-template'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// A server of its own for one test, on a fresh copy of the demo data directory (test 9
// starts one on a new directory), stopped afterwards whatever happens.
async function withServer(name, fn) {
  const srv = await startServer(path.join(tmp, name), { template });
  try {
    return await fn(srv);
  } finally {
    await stopServer(srv);
  }
}

const ofChallenge = (events, challenge) => events.filter((e) => e.challenge === challenge);
const ids = (events) => events.map((e) => e.id).sort();

// The tests share nothing but the template, so they run side by side (each its own server).
describe('issue 8: attacks replayed against parley-server', { concurrency: 3 }, () => {
  // ---- 1 ---------------------------------------------------------------------------------

  test('1. poison event: an escalation whose from_stage is the text "1" is refused; every party keeps syncing', () =>
    withServer('poison', async (srv) => {
      const asc = await Device.signIn(srv, 'asc-practitioner');
      const opened = asc.open(tmp, AGENCIES.housing);
      let r = await asc.push([opened]);
      assert.equal(r.status, 200, r.text);
      const housing = await Device.signIn(srv, 'housing-practitioner');
      const reply = housing.comment(opened, 'Housing has read the challenge and will call back.');
      r = await housing.push([reply]);
      assert.equal(r.status, 200, r.text);

      // The attack: otherwise a valid escalation, but from_stage is the string "1".
      const poison = asc.escalation(reply, '1', 2);
      r = await asc.push([poison]);
      assertRefused(r, 400, 'bad_event', { field: 'bundles[0].events[0].body.from_stage' });

      // The same device goes on: its next event (a proper escalation) is stored.
      const good = asc.escalation(reply, 1, 2);
      r = await asc.push([good]);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.added, 1);
      const expected = ids([opened, reply, good]);

      // A second device of each party agency pulls every page to the end.
      for (const username of ['asc-lead', 'housing-lead']) {
        const d = await Device.signIn(srv, username);
        const all = await d.pull({ limit: 1 });
        assert.deepEqual(ids(ofChallenge(all.events, opened.challenge)), expected,
          `${username} holds the challenge, without the poison`);
        assert.ok(!all.events.some((e) => e.id === poison.id), 'the poison event was not stored');
        assert.ok(all.pages >= 3, `paged one event at a time (${all.pages} pages)`);
        let last = 0n;
        for (const c of all.cursors) {
          assert.ok(BigInt(c) >= last, `the cursor only grows (${all.cursors})`);
          last = BigInt(c);
        }
        assert.ok(last > 0n, 'the cursor advanced');
        const end = await call(srv.url, 'GET', `/api/pull?cursor=${all.cursor}`, { token: d.token });
        assert.equal(end.status, 200, end.text);
        assert.equal(end.json.more, false);
        assert.equal(end.json.bundles.length, 0);
      }

      // A fresh device of the challenged agency signs in and receives the challenge, exactly.
      const fresh = await Device.signIn(srv, 'housing-practitioner');
      const got = ofChallenge((await fresh.pull()).events, opened.challenge);
      assert.deepEqual(ids(got), expected);
      for (const e of [opened, reply, good]) assert.deepEqual(got.find((x) => x.id === e.id), e, `${e.kind} arrives byte for byte`);

      // And a real client of the challenged agency (the CLI) signs in, syncs and folds it.
      const db = path.join(tmp, 'poison-housing-cli.db');
      await cliRun(db, ['login', '--server', srv.url, '--user', 'housing-lead', '--password-stdin',
        '--device-name', 'attack test CLI'], { input: `${srv.password('housing-lead')}\n` });
      await cliRun(db, ['sync']);
      const shown = JSON.parse(await cliRun(db, ['--json', 'challenge', 'show', opened.challenge]));
      assert.equal(shown.stage, 2, 'the client folds the challenge to stage 2');
    }));

  // ---- 2 ---------------------------------------------------------------------------------

  test('2. device takeover: another agency\'s user signing in with a device id in use is 403 device_taken', () =>
    withServer('takeover', async (srv) => {
      const device = `asc-tablet-${randomBytes(4).toString('hex')}`;
      const a = await Device.signIn(srv, 'asc-practitioner', device);
      const opened = a.open(tmp, AGENCIES.housing);
      let r = await a.push([opened]);
      assert.equal(r.status, 200, r.text);

      r = await signIn(srv.url, 'housing-practitioner', srv.password('housing-practitioner'), device);
      assertRefused(r, 403, 'device_taken');
      assert.equal(r.json.token, undefined, 'no token was issued');

      // A's token still works, still for A, and A goes on with its next sequence numbers.
      const me = await call(srv.url, 'GET', '/api/me', { token: a.token });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.json.user.username, 'asc-practitioner');
      assert.equal(me.json.device, device);
      const c1 = a.comment(opened, 'Still my tablet.');
      const c2 = a.comment(c1, 'And still mine.');
      assert.deepEqual([c1.seq, c2.seq], [2, 3]);
      r = await a.push([c1, c2]);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.added, 2);
      const devices = await admin(srv.dataDir, ['list-devices']);
      assert.equal(devices.status, 0, devices.text);
      const line = devices.stdout.split('\n').find((l) => l.startsWith(`${device}\t`));
      assert.ok(line && line.includes('asc-practitioner') && !line.includes('housing-practitioner') && !line.includes('REVOKED'),
        `the device stays A's: ${devices.stdout}`);
    }));

  // ---- 3 ---------------------------------------------------------------------------------

  test('3. silent rewrite: the other party\'s second, earlier challenge_opened is 409 rule_broken', () =>
    withServer('rewrite', async (srv) => {
      const asc = await Device.signIn(srv, 'asc-practitioner');
      const opened = asc.open(tmp, AGENCIES.housing, { subject: 'Alex Example' });
      let r = await asc.push([opened]);
      assert.equal(r.status, 200, r.text);

      const housing = await Device.signIn(srv, 'housing-practitioner');
      const body = { ...structuredClone(opened.body), subject: { name: 'Sam Otherperson' } };
      const rewrites = [
        // as a new opening (no parents), dated a day earlier so a fold would take it as the first
        housing.event('challenge_opened', opened.challenge, [], body, { at: opened.at - 86400000 }),
        // after the real opening, as if replacing it
        housing.event('challenge_opened', opened.challenge, [opened], body),
      ];
      for (const e of rewrites) {
        r = await housing.push([e]);
        assertRefused(r, 409, 'rule_broken', { field: /^bundles\[0\]\.events\[0\](\.kind)?$/ });
      }

      for (const d of [asc, housing]) {
        const events = ofChallenge((await d.pull()).events, opened.challenge);
        const openings = events.filter((e) => e.kind === 'challenge_opened');
        assert.deepEqual(ids(openings), [opened.id], `${d.user.username} pulls only the first opening`);
        assert.equal(openings[0].body.subject.name, 'Alex Example');
        assert.ok(!JSON.stringify(events).includes('Sam Otherperson'));
      }
    }));

  // ---- 4 ---------------------------------------------------------------------------------

  // The first stage at which the procedure notifies the Board (shropshire-sscp: stage 4).
  function boardStage(procedure) {
    const p = JSON.parse(fs.readFileSync(path.join(ROOT, 'procedures', `${procedure}.json`), 'utf8'));
    const stage = p.stages.find((s) => s.notifications.length > 0)?.number;
    assert.ok(stage > 2, `${procedure} notifies its Board from stage ${stage}`);
    return stage;
  }

  test('4. early Board access: skipping to the Board\'s stage is 409 rule_broken, the Board sees nothing; the real chain reaches it', () =>
    withServer('board', async (srv) => {
      const notify = boardStage('shropshire-sscp');
      const lead = await Device.signIn(srv, 'asc-lead');
      const board = await Device.signIn(srv, 'board');
      const opened = lead.open(tmp, AGENCIES.housing, { procedure: 'shropshire-sscp' });
      let r = await lead.push([opened]);
      assert.equal(r.status, 200, r.text);
      let seen = await board.pull();
      assert.equal(ofChallenge(seen.events, opened.challenge).length, 0, 'a new challenge is not the Board\'s');

      // The attack: at stage 1, an escalation "from stage 3 to stage 4" (the Board's stage).
      const early = lead.escalation(opened, notify - 1, notify);
      r = await lead.push([early]);
      assertRefused(r, 409, 'rule_broken', { field: 'bundles[0].events[0].body.from_stage' });
      seen = await board.pull({ cursor: seen.cursor });
      assert.equal(ofChallenge(seen.events, opened.challenge).length, 0, 'the Board received nothing of the challenge');

      // The legitimate chain: each escalation after the last. Below the Board's stage the
      // Board sees nothing; the escalation into it hands the Board the whole history.
      const chain = [opened];
      for (let stage = 1; stage < notify; stage++) {
        const e = lead.escalation(chain[chain.length - 1], stage, stage + 1);
        r = await lead.push([e]);
        assert.equal(r.status, 200, r.text);
        chain.push(e);
        const now = await board.pull({ cursor: seen.cursor });
        seen = now;
        if (stage + 1 < notify) {
          assert.equal(ofChallenge(now.events, opened.challenge).length, 0, `not at stage ${stage + 1}`);
        } else {
          assert.deepEqual(ids(ofChallenge(now.events, opened.challenge)), ids(chain),
            `at stage ${notify} the Board receives the whole history, and never the refused escalation`);
        }
      }
    }));

  // ---- 6 ---------------------------------------------------------------------------------

  test('6. accounts: disabling, passwords on standard input only, one token per device, revoked devices', (t) =>
    withServer('accounts', async (srv) => {
      const dir = srv.dataDir;
      const users = async () => (await admin(dir, ['list-users'])).stdout;

      await t.test('disable-user ends the user\'s sessions and refuses sign-in with 403 account_disabled', async () => {
        const victim = await Device.signIn(srv, 'housing-practitioner');
        const other = await Device.signIn(srv, 'housing-lead');
        const a = await admin(dir, ['disable-user', 'housing-practitioner']);
        assert.equal(a.status, 0, a.text);
        assertRefused(await call(srv.url, 'GET', '/api/pull?cursor=0', { token: victim.token }), 401, 'unauthorized');
        assertRefused(await signIn(srv.url, 'housing-practitioner', srv.password('housing-practitioner'), victim.id),
          403, 'account_disabled');
        assertRefused(await signIn(srv.url, 'housing-practitioner', srv.password('housing-practitioner'), 'fresh-device-1'),
          403, 'account_disabled');
        assert.equal((await call(srv.url, 'GET', '/api/pull?cursor=0', { token: other.token })).status, 200, 'only that user');
      });

      await t.test('set-password reads the new password from standard input: the old one fails, the new one works', async () => {
        const fresh = `lead-passphrase-${randomBytes(6).toString('hex')}`;
        const a = await admin(dir, ['set-password', 'asc-lead'], { input: `${fresh}\n` });
        assert.equal(a.status, 0, a.text);
        assert.ok(!a.text.includes(fresh), 'the password is not echoed');
        assertRefused(await signIn(srv.url, 'asc-lead', srv.password('asc-lead'), 'pw-device-1'), 401, 'bad_credentials');
        const r = await signIn(srv.url, 'asc-lead', fresh, 'pw-device-2');
        assert.equal(r.status, 200, r.text);
      });

      await t.test('add-user --password is refused: exit 2, passwords are read from standard input', async () => {
        const a = await admin(dir, ['add-user', '--username', 'argv-user', '--password', 'a-perfectly-long-password',
          '--name', 'Demo Argv User', '--agency', AGENCIES.police]);
        assert.equal(a.status, 2, a.text);
        assert.match(a.text, /standard input/i);
        assert.ok(!(await users()).includes('argv-user'), 'no user was added');
        // The same command with the password on standard input works, and that user signs in.
        const pw = `manager-passphrase-${randomBytes(6).toString('hex')}`;
        const ok = await admin(dir, ['add-user', '--username', 'stdin-user', '--name', 'Demo Senior Manager (police)',
          '--agency', AGENCIES.police, '--job-title', 'Senior Manager', '--role', 'senior_manager'], { input: `${pw}\n` });
        assert.equal(ok.status, 0, ok.text);
        assert.ok(!ok.text.includes(pw), 'the password is not echoed');
        const r = await signIn(srv.url, 'stdin-user', pw, 'stdin-user-device');
        assert.equal(r.status, 200, r.text);
      });

      await t.test('a password shorter than 12 characters is refused', async () => {
        const a = await admin(dir, ['add-user', '--username', 'short-user', '--name', 'Demo Short', '--agency', AGENCIES.police],
          { input: 'elevenchars\n' });
        assert.notEqual(a.status, 0, a.text);
        assert.match(a.text, /\b12\b/);
        assert.ok(!(await users()).includes('short-user'), 'no user was added');
        const s = await admin(dir, ['set-password', 'police-lead'], { input: 'short\n' });
        assert.notEqual(s.status, 0, s.text);
        assert.match(s.text, /\b12\b/);
        const r = await signIn(srv.url, 'police-lead', srv.password('police-lead'), 'police-lead-device');
        assert.equal(r.status, 200, `the old password still works: ${r.text}`);
      });

      await t.test('a second sign-in on the same device revokes the device\'s older token', async () => {
        const first = await Device.signIn(srv, 'police-practitioner', 'police-tablet-1');
        const second = await Device.signIn(srv, 'police-practitioner', 'police-tablet-1');
        assert.notEqual(first.token, second.token);
        assertRefused(await call(srv.url, 'GET', '/api/pull?cursor=0', { token: first.token }), 401, 'unauthorized');
        assert.equal((await call(srv.url, 'GET', '/api/pull?cursor=0', { token: second.token })).status, 200);
      });

      await t.test('a device revoked with admin revoke-device cannot sign in again', async () => {
        const d = await Device.signIn(srv, 'health-lead', 'health-tablet-1');
        const a = await admin(dir, ['revoke-device', 'health-tablet-1']);
        assert.equal(a.status, 0, a.text);
        assert.equal((await call(srv.url, 'GET', '/api/me', { token: d.token })).status, 401);
        const r = await signIn(srv.url, 'health-lead', srv.password('health-lead'), 'health-tablet-1');
        assert.equal(r.status, 403, r.text);
        assert.equal(r.json.token, undefined);
      });
    }));

  // ---- 7 ---------------------------------------------------------------------------------

  test('7. guessing: wrong passwords are throttled (429 too_many_attempts, Retry-After) and logged with user and address', (t) =>
    withServer('guessing', async (srv) => {
      const user = 'housing-lead';
      const logFrom = srv.log().length;
      const guesses = Array.from({ length: 30 }, (_, i) => `guess-${i}-${randomBytes(5).toString('hex')}`);
      const answers = [];
      const right = (device) => signIn(srv.url, user, srv.password(user), device);
      let rightAtStart;
      for (const guess of guesses) {   // 30 requests, and one more below
        const sent = Date.now();
        const r = await signIn(srv.url, user, guess, 'guessing-device');
        answers.push({ r, sent, received: Date.now() });
        // The delay has only just begun: the right password is refused as well.
        if (r.status === 429 && !rightAtStart) rightAtStart = await right('guessing-device-2');
      }
      const statuses = answers.map((a) => a.r.status);
      const retryAfters = answers.map((a) => a.r.headers.get('retry-after') ?? '-');
      t.diagnostic(`answers: ${statuses.join(' ')}; Retry-After: ${retryAfters.join(' ')}`);
      const first429 = statuses.indexOf(429);
      assert.ok(first429 !== -1 && first429 <= 6, `429 after at most 6 answers: ${statuses}`);
      let lastDelayEnds = 0;
      for (const [i, { r, sent, received }] of answers.entries()) {
        if (r.status === 429) {
          assertRefused(r, 429, 'too_many_attempts');
          const after = r.headers.get('retry-after');
          assert.match(after ?? '', /^[1-9]\d*$/, `Retry-After in whole seconds: ${after}`);
          lastDelayEnds = Math.max(lastDelayEnds, received + (Number(after) - 1) * 1000);
        } else {
          assertRefused(r, 401, 'bad_credentials');
          assert.ok(i < first429 || sent >= lastDelayEnds, `answer ${i} was ${r.status} while the delay lasted: ${statuses}`);
        }
      }
      const checked = statuses.filter((s) => s === 401).length;
      assert.ok(checked <= 10, `at most 10 of 30 guesses were checked, got ${checked}: ${statuses}`);

      // The right password while the delay lasts: 429 too, and no token.
      assertRefused(rightAtStart, 429, 'too_many_attempts');
      assert.match(rightAtStart.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      assert.equal(rightAtStart.json.token, undefined);
      // And after the 30 (request 32): certainly refused when the last answer said the
      // delay lasts over a second more; with "Retry-After: 1" it may just have ended.
      const last = Number(answers[answers.length - 1].r.headers.get('retry-after') ?? 0);
      const rightAtEnd = await right('guessing-device-3');
      if (last >= 2) assertRefused(rightAtEnd, 429, 'too_many_attempts');
      else assert.ok([200, 429].includes(rightAtEnd.status), rightAtEnd.text);
      t.diagnostic(`the right password: ${rightAtStart.status} after the first 429, ` +
        `${rightAtEnd.status} after the 30 (Retry-After was ${last})`);

      // One line per failed sign-in naming the user and the client address; never a password.
      await sleep(200);
      const log = srv.log().slice(logFrom);
      const lines = log.split('\n').filter((l) => l.includes(user) && l.includes('127.0.0.1'));
      assert.ok(lines.length >= Math.max(checked, 1),
        `${lines.length} failed sign-in lines for ${checked} wrong passwords:\n${log}`);
      for (const secret of [...guesses, srv.password(user)]) assert.ok(!log.includes(secret), 'no password in the log');
    }));

  // ---- 8 ---------------------------------------------------------------------------------

  test('8. wrong JSON types are 400 (never 500), and each refusal is quarantined', () =>
    withServer('types', async (srv) => {
      const asc = await Device.signIn(srv, 'asc-practitioner');
      const opened = asc.open(tmp, AGENCIES.housing);
      const rows0 = (await quarantine(srv.dataDir)).length;

      // The push's format is a number.
      let r = await post(srv.url, '/api/push', { ...pushBody([bundleOf([opened])]), format: 1 }, asc.token);
      assertRefused(r, 400, 'bad_request', { field: 'format' });
      assert.equal((await quarantine(srv.dataDir)).length, rows0 + 1, 'quarantined');

      // A bundle's format is 7.
      r = await post(srv.url, '/api/push', pushBody([{ ...bundleOf([opened]), format: 7 }]), asc.token);
      assertRefused(r, 400, 'bad_request', { field: 'bundles[0].format' });
      assert.equal((await quarantine(srv.dataDir)).length, rows0 + 2, 'quarantined');

      // An opening whose body.procedure is a number (the bundle's procedure is right).
      const other = `${opened.challenge.split('-')[0]}-TYPES${randomBytes(2).toString('hex').toUpperCase()}`;
      const bad = asc.event('challenge_opened', other, [], { ...structuredClone(opened.body), procedure: 42 });
      r = await asc.push([bad]);
      assertRefused(r, 400, 'bad_event', { field: 'bundles[0].events[0].body.procedure' });
      const rows = await quarantine(srv.dataDir);
      assert.equal(rows.length, rows0 + 3, 'quarantined');
      assert.ok(rows.some((q) => q.code === 'bad_event' && q.field === 'bundles[0].events[0].body.procedure'),
        rows.map((q) => q.line).join('\n'));

      // Nothing of it was stored, and the server goes on serving.
      assert.equal((await call(srv.url, 'GET', '/api/health')).status, 200);
      r = await asc.push([opened]);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.added, 1, 'the opening was not stored by the refused pushes');
      const housing = await Device.signIn(srv, 'housing-lead');
      assert.deepEqual(ids((await housing.pull()).events), [opened.id]);
    }));

  // ---- 9 ---------------------------------------------------------------------------------

  const mode = (p) => fs.statSync(p).mode & 0o777;
  const octal = (m) => `0${m.toString(8)}`;

  test('9. files: a new data directory is 0700, its databases 0600; a new CLI database is 0600', async () => {
    // Run with umask 000, so that only modes the programs set themselves count.
    const parent = fs.mkdtempSync(path.join(tmp, 'files-'));
    const dataDir = path.join(parent, 'data');
    const old = process.umask(0o000);
    let starting;
    try {
      starting = startServer(dataDir, { demo: false });   // spawns now, with this umask
    } finally {
      process.umask(old);
    }
    const srv = await starting;
    try {
      const agency = await admin(dataDir, ['add-agency', 'Demo Written While Serving']);   // a write beside the server's
      assert.equal(agency.status, 0, agency.text);
      assert.equal(mode(dataDir), 0o700, `data directory is ${octal(mode(dataDir))}`);
      const db = path.join(dataDir, 'server.db');
      assert.equal(mode(db), 0o600, `server.db is ${octal(mode(db))}`);
      for (const side of ['-wal', '-shm', '-journal'])
        if (fs.existsSync(db + side)) assert.equal(mode(db + side) & 0o077, 0, `server.db${side} is ${octal(mode(db + side))}`);
    } finally {
      await stopServer(srv);
    }

    const file = path.join(parent, 'cli.db');
    const prev = process.umask(0o000);
    let making;
    try {
      making = run(CLI_BIN, ['--db', file, 'identity', 'set', '--name', 'Demo Practitioner (asc)', '--agency', AGENCIES.asc]);
    } finally {
      process.umask(prev);
    }
    const made = await making;
    assert.equal(made.status, 0, made.text);
    assert.equal(mode(file), 0o600, `the CLI database is ${octal(mode(file))}`);
    for (const side of ['-wal', '-shm', '-journal'])
      if (fs.existsSync(file + side)) assert.equal(mode(file + side) & 0o077, 0, `cli.db${side} is ${octal(mode(file + side))}`);
  });
});
