// bench/status_shots.mjs — screenshots of Home and its status bar in each state, for a
// person to look at (issue 12: status that cannot be missed, Home rows on a phone). Not a
// test: it asserts only that each state was reached (through the status line the DOM
// mirror carries), then shoots it. Per size, a new device signs in to the real
// parley-server (--demo users) as asc-practitioner and
//   1. raises a challenge against Demo Housing Trust online and waits for it to sync:
//      <size>-challenge.png (the guided challenge screen) and <size>-home-synced.png
//      ("Saved · Online · Last synced ...");
//   2. goes offline and raises a second one: <size>-home-offline-pending.png
//      ("1 record only on this device since ...");
//   3. presses Raise challenge on an empty form: <size>-raise-errors.png (the error summary);
//      then starts a third and leaves it typed: <size>-raise-draft.png ("Draft not saved yet");
//   4. phone only: text at the largest size (200 %; 190 % where the last tap is lost), Home again: phone-home-offline-large.png.
// Sizes: phone 390x844 @3x, tablet 820x1180 @2x, desktop 1280x800 @1x. Output in
// $PARLEY_TEST_OUTPUT (default build/test-output). Same environment as the browser tests:
//   env -u NODE_PATH PARLEY_PASSPHRASE_FILE=... PARLEY_TEST_CHEAP_KDF=1 PARLEY_SERVER_BIN=...
//       PARLEY_WEB_ROOT=... PARLEY_TEST_OUTPUT=... node bench/status_shots.mjs [phone tablet desktop]
import { rmSync } from 'node:fs';
import { launch, find, screen, tap, shot, mirror, drag } from '../tests/web/harness.mjs';
import { enter, press } from '../tests/web/seed.mjs';
import { startSyncServer, signIn, waitStatus, generation, savedAfter } from '../tests/web/sync_support.mjs';

const SIZES = {
  phone: { width: 390, height: 844, dpr: 3 },
  tablet: { width: 820, height: 1180, dpr: 2 },
  desktop: { width: 1280, height: 800, dpr: 1 },
};
const SYNCED = /Last synced: \d\d:\d\d/;

async function raise(page, subject, { submit = true, shootAs } = {}) {
  await tap(page, 'Raise a challenge');
  await screen(page, 'raise');
  await tap(page, 'No');
  await enter(page, 'Name', subject);
  await enter(page, 'Other agency', 'Demo Housing Trust');
  await enter(page, 'Summary of the reason for the dispute', 'Synthetic: tenancy ended without a care assessment');
  if (!submit) return;
  const gen = await generation(page);
  await tap(page, 'Raise challenge');
  await screen(page, 'challenge');
  await savedAfter(page, gen);
  if (shootAs) {
    await page.waitForTimeout(300);
    await shot(page, shootAs);
  }
  await press(page, '< Home', { role: 'button' });
  await screen(page, 'home');
  await top(page);
}

// Home keeps the scroll position the last screen had: drag the page back to its top (on
// the Search label, outside the list, which would scroll itself).
async function top(page) {
  const it = await find(page, 'Search', { role: 'textbox' });
  await drag(page, it.x + 10, it.y - 20, 600);
  await page.waitForTimeout(300);
}

async function shoot(size, view, server) {
  const b = await launch(undefined, view);
  try {
    const page = b.context.pages()[0] || (await b.context.newPage());
    await signIn(page, server, 'asc-practitioner');
    await raise(page, 'Alex Sample', { shootAs: `${size}-challenge` });
    console.log(size, await waitStatus(page, SYNCED, { not: /only on this device|syncing…/, timeout: 30000 }));
    await shot(page, `${size}-home-synced`);

    await b.context.setOffline(true);
    await waitStatus(page, /  ·  Offline  ·  /, { timeout: 15000 });
    await raise(page, 'Jordan Example');
    console.log(size, await waitStatus(page, /^Saved  ·  Offline  ·  .*1 record only on this device/));
    await shot(page, `${size}-home-offline-pending`);

    // Raise pressed with nothing filled in: the error summary at the top, each field's error.
    await tap(page, 'Raise a challenge');
    await screen(page, 'raise');
    await tap(page, 'No');
    await tap(page, 'Raise challenge', { role: 'button' });
    await find(page, 'There is a problem', { role: 'heading' });
    const problem = await find(page, 'There is a problem', { role: 'heading' });
    if (problem.y < 0) await drag(page, view.width / 2, 200, 600);
    await page.waitForTimeout(300);
    await shot(page, `${size}-raise-errors`);
    await tap(page, 'Cancel', { role: 'button' });
    await screen(page, 'home');
    await top(page);

    await raise(page, 'Casey Draft', { submit: false });
    console.log(size, await waitStatus(page, /^Draft not saved yet  ·  /));
    await shot(page, `${size}-raise-draft`);

    if (size === 'phone') {
      await press(page, '< Home', { role: 'button' });
      await press(page, 'Settings', { role: 'button' });
      await screen(page, 'settings');
      // A tap while the fonts are being rebuilt can be lost: tap until it says 200 %.
      for (let i = 0; i < 20 && !(await mirror(page)).items.some((it) => it.label === 'Text size: 200%'); i++) {
        await tap(page, 'Larger text', { role: 'button' });
        await page.waitForTimeout(250);
      }
      console.log(size, (await find(page, /^Text size: /)).label);
      await press(page, '< Home', { role: 'button' });
      await screen(page, 'home');
      await page.waitForTimeout(500);
      await shot(page, `${size}-home-offline-large`);
      // The list's rows at that size: drag the page up (on a filter's label, outside the list).
      const closed = await find(page, 'Show closed', { role: 'checkbox' });
      await drag(page, closed.x + closed.w - 20, closed.y + closed.h / 2, -320, 16);
      await page.waitForTimeout(300);
      await shot(page, `${size}-home-offline-large-rows`);
    }
  } finally {
    await b.context.close();
    rmSync(b.dir, { recursive: true, force: true });
  }
}

const server = await startSyncServer();
try {
  const only = process.argv.slice(2);
  for (const [size, view] of Object.entries(SIZES)) if (!only.length || only.includes(size)) await shoot(size, view, server);
} finally {
  await server.stop();
}
