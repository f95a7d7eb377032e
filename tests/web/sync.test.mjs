// tests/web/sync.test.mjs — two agencies' tablets and an office server, end to end: the
// real web client in headless Chromium (tablet-sized, touch) against the real
// parley-server (--demo users) on loopback.
//   A  asc-practitioner (Demo Adult Social Care) signs in, goes offline, raises a challenge
//      against Demo Housing Trust and escalates it, all saved on the device only; back
//      online, the records sync and the "only on this device" count goes.
//   B  housing-lead (Demo Housing Trust) gets the challenge by pull, opens it and comments.
//   A  gets B's comment in the challenge's timeline after a sync.
//   C  police-practitioner (Demo Police, not a party) has no challenge on Home, and the
//      server's /api/pull gives a Demo Police sign-in no bundles (a Demo Housing Trust
//      sign-in, the control, gets the challenge with every event).
// Screenshots go to $PARLEY_TEST_OUTPUT (default build/test-output/), named sync-*.png.
//
// PARLEY_SERVER_BIN (default build/native-debug/tools/server/parley-server) and
// PARLEY_WEB_ROOT (default build/web/public) choose the builds. One browser test at a time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { launch, find, screen, tap, shot, mirror, moreActions } from './harness.mjs';
import { enter, press, describeMirror } from './seed.mjs';
import { startSyncServer, signIn, waitStatus, statusLine, generation, savedAfter, apiLogin, pullAll } from './sync_support.mjs';

const SUBJECT = 'Robin Synctest';
const A_AGENCY = 'Demo Adult Social Care';
const B_AGENCY = 'Demo Housing Trust';
const ROW = `${SUBJECT} — ${A_AGENCY} v ${B_AGENCY}`;
const COMMENT = 'Housing lead: tenancy file reviewed, happy to meet this week';
const SYNCED = /Last synced: (\d\d:\d\d|\w{3} \d+ \w{3} (\d{4} )?\d\d:\d\d)/;   // not "never"
const PENDING = /records? only on this device/;

let server;
const browsers = [];
before(async () => { server = await startSyncServer(); });
after(async () => {
  for (const b of browsers) {
    await b.context.close().catch(() => {});
    rmSync(b.dir, { recursive: true, force: true });
  }
  if (server) await server.stop();
});

async function browser(name) {
  const b = await launch();   // its own new profile directory
  browsers.push(b);
  const page = b.context.pages()[0] || (await b.context.newPage());
  b.errors = [];
  page.on('pageerror', (e) => b.errors.push(`${name}: ${e.message}`));
  return { ...b, page };
}

async function closeBrowser(b) {
  await b.context.close();
  rmSync(b.dir, { recursive: true, force: true });
  browsers.splice(browsers.indexOf(browsers.find((x) => x.dir === b.dir)), 1);
}

test('a challenge raised offline by one agency syncs to the other agency and back, and not to a third', { timeout: 240000 }, async () => {
  // ---- A: sign in, then work offline ------------------------------------------------------
  const a = await browser('A');
  await signIn(a.page, server, 'asc-practitioner', { onSignInScreen: () => shot(a.page, 'sync-sign-in') });
  await find(a.page, /^Signed in as Demo Practitioner \(asc\)\./);
  await waitStatus(a.page, SYNCED, { timeout: 20000 });

  await a.context.setOffline(true);
  await waitStatus(a.page, /  ·  Offline  ·  /, { timeout: 15000 });

  await tap(a.page, 'Raise a challenge');
  await screen(a.page, 'raise');
  await tap(a.page, 'No');
  await enter(a.page, 'Name', SUBJECT);
  await enter(a.page, 'Other agency', B_AGENCY);
  await enter(a.page, 'Summary of the reason for the dispute', 'Eviction notice served without a care act assessment');
  let gen = await generation(a.page);
  await tap(a.page, 'Raise challenge');
  await screen(a.page, 'challenge');
  await savedAfter(a.page, gen);
  const heading = await find(a.page, new RegExp(`^${SUBJECT} — `), { role: 'heading' });
  const id = heading.label.split(' — ')[1];
  assert.ok(id, `challenge id in "${heading.label}"`);

  await tap(a.page, 'Escalate');
  await enter(a.page, 'Why it is being escalated', 'No agreement at stage 1');
  await enter(a.page, 'What was tried at this stage', 'A phone call to the housing officer');
  gen = await generation(a.page);
  await tap(a.page, 'Escalate', { role: 'button' });
  await savedAfter(a.page, gen);
  await find(a.page, /^Stage 2: /, { role: 'heading' });
  await find(a.page, /^Escalated to stage 2\. Reason: No agreement at stage 1/);
  // Both records (opened, escalated) are on this device only, and it says so.
  const offline = await waitStatus(a.page, /^Saved  ·  Offline  ·  .*2 records only on this device since \d+ \w{3}/);
  await shot(a.page, 'sync-a-offline-pending');

  // ---- A: back online; the outbox drains --------------------------------------------------
  await a.context.setOffline(false);
  // The count goes only when the server has acknowledged both events (the push).
  const online = await waitStatus(a.page, /  ·  Online  ·  /, { not: new RegExp(`${PENDING.source}|syncing…`), timeout: 30000 });
  assert.match(online, SYNCED, `after reconnecting: ${online} (offline it said: ${offline})`);
  assert.deepEqual((await mirror(a.page)).items.filter((i) => /^Sync: /.test(i.label)).map((i) => i.label), [], 'no sync error shown');

  // ---- B: housing-lead gets it by pull and comments ---------------------------------------
  const b = await browser('B');
  await signIn(b.page, server, 'housing-lead');
  const row = await find(b.page, ROW, { role: 'link', timeout: 30000 });
  assert.match(row.value, new RegExp(`^${id} · `));
  await waitStatus(b.page, SYNCED, { not: PENDING });
  await shot(b.page, 'sync-b-home');
  await tap(b.page, ROW, { role: 'link' });
  await screen(b.page, 'challenge');
  await find(b.page, `${SUBJECT} — ${id}`, { role: 'heading' });
  await find(b.page, /^Stage 2: /, { role: 'heading' });
  await find(b.page, /^Escalated to stage 2\. Reason: No agreement at stage 1/);
  await moreActions(b.page);
  await tap(b.page, 'Comment', { role: 'button' });
  await enter(b.page, 'Comment', COMMENT);
  gen = await generation(b.page);
  await tap(b.page, 'Save comment');
  await savedAfter(b.page, gen);
  await find(b.page, COMMENT);
  // Pushed: nothing left only on B's device.
  await waitStatus(b.page, SYNCED, { not: new RegExp(`${PENDING.source}|syncing…`), timeout: 20000 });
  await shot(b.page, 'sync-b-commented');

  // ---- A: gets B's comment (Settings → Sync now, then the challenge) ------------------------
  await press(a.page, 'Settings');
  await screen(a.page, 'settings');
  await tap(a.page, 'Sync now');
  await press(a.page, '< Home');
  await screen(a.page, 'home');
  await tap(a.page, ROW, { role: 'link' });
  await screen(a.page, 'challenge');
  try {
    await find(a.page, COMMENT, { timeout: 20000 });
  } catch (e) {
    throw new Error(`A never got B's comment: ${e.message}\nstatus: ${await statusLine(a.page)}`);
  }
  const items = (await mirror(a.page)).items;
  const at = items.findIndex((i) => i.label === COMMENT);
  assert.match(items[at - 1].label, /· stage 2 · Demo Safeguarding Lead \(housing\)$/, 'the comment is shown as the housing lead\'s');
  await find(a.page, /^Escalated to stage 2\./);
  await shot(a.page, 'sync-a-sees-b');
  await closeBrowser(b);

  // ---- C: police-practitioner, not a party, sees nothing ----------------------------------
  const c = await browser('C');
  await signIn(c.page, server, 'police-practitioner');
  await waitStatus(c.page, SYNCED, { not: /syncing…/, timeout: 20000 });
  await find(c.page, /^No challenges yet\./);
  await find(c.page, '0 open · 0 overdue · 0 expedited · 0 need review');
  const cItems = (await mirror(c.page)).items;
  assert.ok(!cItems.some((i) => i.role === 'link'), `C's Home lists a challenge: ${await describeMirror(c.page)}`);
  assert.ok(!cItems.some((i) => i.label.includes(SUBJECT)), 'the subject is nowhere on C\'s screen');
  await shot(c.page, 'sync-c-home-empty');

  // The server agrees: a Demo Police sign-in's feed is empty, while a Demo Housing Trust
  // sign-in (the control) gets the challenge with A's two events and B's comment.
  const police = await pullAll(server, await apiLogin(server, 'police-practitioner'));
  assert.deepEqual(police, [], 'GET /api/pull as police-practitioner returns no bundles');
  const housing = await pullAll(server, await apiLogin(server, 'housing-practitioner'));
  assert.deepEqual([...new Set(housing.map((x) => x.challenge))], [id]);
  const kinds = housing.flatMap((x) => x.events).map((e) => e.kind).sort();
  assert.deepEqual(kinds, ['challenge_opened', 'comment', 'escalated']);

  for (const x of [a, b, c]) assert.deepEqual(x.errors, []);
});
