// bench/screen_gallery.mjs — screenshots of every screen issue 12 changed, at phone, tablet
// and desktop size, for docs/screens.md (the gallery a person looks through). Not a test:
// it waits until each screen is reached (through the DOM mirror), then shoots the
// viewport as JPEG into docs/images/screens/<size>-<screen>.jpg. Driven by finger taps
// and drags (tests/web/harness.mjs) against the real parley-server (--demo users), with
// synthetic people only.
//
// Per size, a new parley-server (--demo) and two devices:
//   1. asc-practitioner on a new device: welcome (choose a passphrase), first-run,
//      sign-in, raise-errors (Raise challenge pressed on an empty form), raise-agency
//      ("Hous" typed in the other-agency search), challenge, challenge-more, discussion
//      (the form partly filled), escalated (after escalating to stage 2), record-form,
//      home (online, the challenge synced), raise-not-listed ("Not in the list" chosen),
//      raise-wrapping (a summary of about 350 characters still being edited), home-offline (offline,
//      that challenge raised and not synced: the amber badge), settings, lock (after the
//      top bar's Lock);
//   2. the Board manager (demo user "board") on a new device: board (the dashboard, over
//      challenges a police lead raised and synced through the CLI at the start).
// Sizes: phone 390x844 @2x, tablet 820x1180 @2x, desktop 1280x800 @1x.
//
// Run from the repository root, with the same environment as the browser tests:
//   env -u NODE_PATH PARLEY_PASSPHRASE_FILE=/tmp/pp PARLEY_TEST_CHEAP_KDF=1 \
//     PARLEY_SERVE_BIN=build/native-debug/tools/serve/parley-serve \
//     PARLEY_SERVER_BIN=build/native-debug/tools/server/parley-server \
//     PARLEY_WEB_ROOT=build/web/public PARLEY_TEST_OUTPUT=build/test-output \
//     node bench/screen_gallery.mjs [phone] [tablet] [desktop]
// (no size named: all three; about 2 to 4 minutes a size). PARLEY_PASSPHRASE_FILE is a
// file whose first line is the passphrase each device chooses (made when unset);
// PARLEY_GALLERY_QUALITY sets the JPEG quality (default 70, which keeps the 51 images
// under about 6 MB). Each image's name is printed, with any button lower than 44 CSS px
// or anything past the right edge the mirror reports on it.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, launch, ready, screen, find, settled, tap, drag, moreActions, choosePassphrase } from '../tests/web/harness.mjs';
import { enter, press, describeMirror, seedPoliceChallenges } from '../tests/web/seed.mjs';
import { startSyncServer, signIn, waitStatus, generation, savedAfter, DEMO_PASSWORD } from '../tests/web/sync_support.mjs';

const SIZES = {
  phone: { width: 390, height: 844, dpr: 2 },
  tablet: { width: 820, height: 1180, dpr: 2 },
  desktop: { width: 1280, height: 800, dpr: 1 },
};
const OUT = join(ROOT, 'docs/images/screens');
const QUALITY = Number(process.env.PARLEY_GALLERY_QUALITY || 70);
const SYNCED = /Last synced: \d\d:\d\d/;
const SUMMARY = 'Synthetic: the hospital discharge was planned without a Care Act assessment';
// About 350 characters, so the summary wraps over several lines at every size.
const LONG_SUMMARY = 'Synthetic: Sky was discharged from the ward on Friday without the Care Act ' +
  'assessment the discharge team had agreed to complete, and the home care package was not in place. ' +
  'The district nurse found Sky without food or medication on Saturday. The housing officer was not ' +
  'told, so the tenancy support visit was cancelled. We ask for the decision to be reviewed.';

// ---- Helpers ------------------------------------------------------------------------------

// The viewport as JPEG, and what the mirror can tell about its layout (for the person
// reading the images, not asserted): buttons under 44 CSS px high, anything past the
// right edge.
async function shoot(page, size, name) {
  await page.waitForTimeout(400);   // the frame after the last change
  const path = join(OUT, `${size}-${name}.jpg`);
  await page.screenshot({ path, type: 'jpeg', quality: QUALITY });
  const { width, height } = page.viewportSize();
  const notes = (await settled(page)).items.flatMap((it) => {
    const where = `${it.role} "${it.label.slice(0, 60)}" (x ${Math.round(it.x)}, y ${Math.round(it.y)}, ${Math.round(it.w)}x${Math.round(it.h)})`;
    const onScreen = it.y + it.h > 0 && it.y < height;
    return [
      ...(onScreen && it.role === 'button' && it.h < 44 - 0.01 ? [`${where}: button lower than 44 CSS px`] : []),
      ...(it.x + it.w > width + 1 ? [`${where}: past the right edge`] : []),
    ];
  });
  console.log(`${size}-${name}.jpg${notes.map((n) => `\n  ${n}`).join('')}`);
}

// Drags the page by finger until `label` sits about `y` CSS px from the top (below the
// fixed top bar), or as near as the page's scroll allows.
async function bringTo(page, label, { role, y = 110 } = {}) {
  const view = page.viewportSize();
  for (let i = 0; i < 12; i++) {
    const it = await find(page, label, { role });
    const dy = y - it.y;
    if (Math.abs(dy) < 30) return;
    const step = Math.max(-(view.height / 2 - 60), Math.min(view.height / 2 - 60, dy));
    await drag(page, view.width / 2, view.height / 2, step);
    const after = await find(page, label, { role });
    if (Math.abs(after.y - it.y) < 2) return;   // the page cannot scroll further
  }
}

// Multi-line text typed, then the edit ended by a tap in the page's left margin: while a
// multi-line field is being edited a finger drag does not scroll the page.
async function enterProse(page, label, text) {
  await enter(page, label, text);
  await page.touchscreen.tap(4, page.viewportSize().height / 2);
  await page.waitForTimeout(200);
}

// Home keeps the last screen's scroll: drag back to its top on the Search label.
async function homeTop(page) {
  const it = await find(page, 'Search', { role: 'textbox' });
  await drag(page, it.x + 10, it.y - 20, 600);
  await page.waitForTimeout(300);
}

async function home(page) {
  await press(page, '< Home', { role: 'button' });
  await screen(page, 'home');
  await homeTop(page);
}

// Raise a challenge → "No" (nobody at imminent risk) → the form's details.
async function startRaise(page) {
  await tap(page, 'Raise a challenge', { role: 'button' });
  await screen(page, 'raise');
  await tap(page, 'No', { role: 'button' });
  await find(page, 'Name', { role: 'textbox' });
}

// An action on the challenge screen: offered first, or under "More actions".
async function openAction(page, name) {
  const m = await settled(page);
  if (!m.items.some((i) => i.role === 'button' && i.label === name)) await moreActions(page);
  await tap(page, name, { role: 'button' });
}

// ---- The Board's figures --------------------------------------------------------------------

// Challenges a police safeguarding lead raised over the last months, synced to the server
// through the CLI, so the dashboard has figures to show (as tests/web/board.test.mjs does):
// none with Demo Adult Social Care, so the practitioner's Home holds only their own.
async function seedBoard(server) {
  const rows = [];
  for (let i = 0; i < 6; i++) rows.push([3, 'care_planning', 'Demo Community Health']);
  for (let i = 6; i < 8; i++) rows.push([2, 'information_sharing', 'Demo Housing Trust']);
  for (let i = 8; i < 14; i++) rows.push([i - 7, 'levels_of_need', 'Demo Community Health']);
  await seedPoliceChallenges(server, DEMO_PASSWORD, { deviceName: 'screen_gallery.mjs', label: 'Gallery', rows, resolved: 2 });
}

// ---- One flow per size ----------------------------------------------------------------------

async function practitioner(page, size, server) {
  // The doors of a new device.
  await page.goto(server.url);
  await ready(page);
  await screen(page, 'unlock', 30000);
  await find(page, 'Welcome to Parley', { role: 'heading' });
  await shoot(page, size, 'welcome');
  await choosePassphrase(page);
  await shoot(page, size, 'first-run');
  await tap(page, 'Sign in to your office server', { role: 'button' });
  await screen(page, 'sign-in');
  await enter(page, 'User name', 'asc-practitioner');
  await enter(page, 'Password', DEMO_PASSWORD);
  await shoot(page, size, 'sign-in');
  await tap(page, 'Sign in', { role: 'button' });
  await screen(page, 'home', 20000);

  // Raise pressed with nothing filled in: the error summary at the top.
  await startRaise(page);
  await tap(page, 'Raise challenge', { role: 'button' });
  await find(page, 'There is a problem', { role: 'heading' });
  // The form scrolls back up to its error summary; say so if it did not.
  await page.waitForFunction(() => globalThis.parleyMirror.items.some((i) => i.role === 'heading' &&
    i.label === 'There is a problem' && i.y >= 0 && i.y + i.h <= innerHeight), null, { timeout: 3000 })
    .catch(async () => console.log(`${size}: the error summary is not in view (at y ${(await find(page, 'There is a problem')).y})`));
  await shoot(page, size, 'raise-errors');
  await tap(page, 'Cancel', { role: 'button' });
  await screen(page, 'home');

  // A challenge raised online: the agency found by typing part of its name.
  await startRaise(page);
  await enter(page, 'Name', 'Robin Galleryperson');
  await bringTo(page, 'The decision you disagree with', { role: 'heading' });
  await enter(page, 'Other agency', 'Hous');
  await find(page, 'Demo Housing Trust', { role: 'button' });
  await shoot(page, size, 'raise-agency');
  await tap(page, 'Demo Housing Trust', { role: 'button' });
  await find(page, "From the Board's list of agencies.");
  await enterProse(page, 'Summary of the reason for the dispute', SUMMARY);
  let gen = await generation(page);
  await tap(page, 'Raise challenge', { role: 'button' });
  await screen(page, 'challenge');
  await savedAfter(page, gen);
  await shoot(page, size, 'challenge');

  await moreActions(page);
  await bringTo(page, 'What you can do next', { role: 'heading' });
  await shoot(page, size, 'challenge-more');

  // Record a discussion, partly filled in (their views left empty), then saved.
  await openAction(page, 'Record a discussion');
  await enter(page, 'With whom (name, job title, agency; separate people with ;)', 'Jo Example, housing officer, Demo Housing Trust');
  await tap(page, 'How', { role: 'combobox' });
  await tap(page, 'Phone', { role: 'option' });
  await enterProse(page, 'What was discussed', 'Agreed to review the discharge plan together');
  await bringTo(page, 'Record a discussion', { role: 'heading' });
  await shoot(page, size, 'discussion');
  gen = await generation(page);
  await tap(page, 'Save discussion', { role: 'button' });
  await savedAfter(page, gen);

  // Escalated to stage 2: the new stage and its due date scrolled into view.
  await openAction(page, 'Escalate');
  await enterProse(page, 'Why it is being escalated', 'No agreement at stage 1');
  await enterProse(page, 'What was tried at this stage', 'A phone discussion with the housing officer');
  await tap(page, 'Escalate', { role: 'button' });
  await find(page, /^Escalated to stage 2/, { timeout: 15000 });
  await find(page, /^Stage 2: /, { role: 'heading' });
  await shoot(page, size, 'escalated');

  await tap(page, /^Record form/, { role: 'button' });
  await screen(page, 'record-form');
  await shoot(page, size, 'record-form');

  // Home, online, once the challenge has synced.
  await home(page);
  console.log(size, await waitStatus(page, SYNCED, { not: /only on this device|syncing…/, timeout: 30000 }));
  await shoot(page, size, 'home');

  // An agency not in the Board's list, then a long summary still being typed.
  await startRaise(page);
  await enter(page, 'Name', 'Sky Galleryperson');
  await bringTo(page, 'The decision you disagree with', { role: 'heading' });
  await enter(page, 'Other agency', 'Northshire Food Bank');
  await tap(page, 'Not in the list', { role: 'button' });
  await find(page, 'Choose from the list instead', { role: 'button' });
  await bringTo(page, 'The decision you disagree with', { role: 'heading' });
  await shoot(page, size, 'raise-not-listed');
  await bringTo(page, 'Summary of the reason for the dispute', { role: 'textbox', y: 140 });
  await enter(page, 'Summary of the reason for the dispute', LONG_SUMMARY);
  await shoot(page, size, 'raise-wrapping');
  await page.touchscreen.tap(4, page.viewportSize().height / 2);   // the edit ended, so the page scrolls again

  // Offline, that challenge raised: only on this device (the amber badge on Home).
  await page.context().setOffline(true);
  await waitStatus(page, /  ·  Offline  ·  /, { timeout: 15000 });
  gen = await generation(page);
  await tap(page, 'Raise challenge', { role: 'button' });
  await screen(page, 'challenge');
  await savedAfter(page, gen);
  await home(page);
  console.log(size, await waitStatus(page, /^Saved  ·  Offline  ·  .*1 record only on this device/));
  await shoot(page, size, 'home-offline');

  await press(page, 'Settings', { role: 'button' });
  await screen(page, 'settings');
  await shoot(page, size, 'settings');
  await press(page, 'Lock', { role: 'button' });
  await screen(page, 'unlock');
  await find(page, 'Unlock Parley', { role: 'heading' });
  await shoot(page, size, 'lock');
}

async function board(page, size, server) {
  await signIn(page, server, 'board');
  await press(page, 'Board dashboard', { role: 'button' });
  await screen(page, 'board');
  await find(page, /^Figures as of .* · challenges opened /, { timeout: 20000 });
  await shoot(page, size, 'board');
}

// A new browser profile at this size for `flow`; the mirror is printed if it fails.
async function device(size, view, flow, server) {
  const b = await launch(undefined, view);
  const page = b.context.pages()[0] || (await b.context.newPage());
  try {
    await flow(page, size, server);
  } catch (e) {
    console.log(`${size}: failed on ${await describeMirror(page).catch(() => '?')}`);
    throw e;
  } finally {
    await b.context.close();
    rmSync(b.dir, { recursive: true, force: true });
  }
}

// A new office server per size, so each size's Home and Board show only what that size did.
async function gallery(size, view) {
  const server = await startSyncServer();
  try {
    await seedBoard(server);
    await device(size, view, practitioner, server);
    await device(size, view, board, server);
  } finally {
    await server.stop();
  }
}

mkdirSync(OUT, { recursive: true });
const only = process.argv.slice(2);
for (const [size, view] of Object.entries(SIZES)) if (!only.length || only.includes(size)) await gallery(size, view);
