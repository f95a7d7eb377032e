// tests/web/screens.test.mjs — every screen of the web client at phone (390x844 @3x),
// tablet (820x1180 @2x) and desktop (1440x900 @1x) size, screenshotted to
// $PARLEY_TEST_OUTPUT/<size>-<screen>.png for a person to look at, with the layout facts
// the DOM mirror can check: every button at least 44 CSS px high (brief item 11),
// nothing reaching past the right edge of the viewport, nothing of the status region cut
// off at the bottom; and that something was drawn.
// Also (a subtest at tablet size): a finger drag scrolls the Home list of 200 challenges
// and does not open the row it started on (item 9), and Home keeps its place in the list
// when a challenge is opened and closed.
//
// The profile is seeded through the CLI (tests/web/seed.mjs): 200 synthetic challenges
// over the last 40 days, one of them expedited with a discussion, an agreed action and an
// escalation; like every store it is encrypted, so the app opens on the unlock screen. The
// Welcome door (the lock screen before any store exists) is shot too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, ready, find, screen, tap, settled, drag, saved, choosePassphrase, unlock } from './harness.mjs';
import { buildDatabase, seedProfile, resetOrigin, press, snap, subjectName } from './seed.mjs';

const SIZES = {
  phone: { width: 390, height: 844, dpr: 3 },
  tablet: { width: 820, height: 1180, dpr: 2 },
  desktop: { width: 1440, height: 900, dpr: 1 },
};
const COUNT = 200;
const RICH = COUNT - 1;   // the expedited one, with more history (first on Home)

let server;
let seeding;   // built while the first browser starts; awaited where it is needed
let profile;   // one browser profile for every size: its service worker cache stays warm
before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'parley-screens-'));
  const t0 = Date.now();
  seeding = buildDatabase({ challenges: COUNT, rich: true, richIndex: RICH, settings: { board_procedure: 'shropshire-sscp' } })
    .then((db) => { console.log(`seeded ${COUNT} challenges with the CLI in ${((Date.now() - t0) / 1000).toFixed(1)} s`); return db; });
  seeding.catch(() => {});   // reported where it is awaited
  server = await startServer();
});
after(async () => {
  if (server) await server.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// The layout facts, for the current screen; returns problems as readable lines.
function layoutProblems(m, size, name, view) {
  const out = [];
  for (const it of m.items) {
    const where = `${size} ${name} ${it.role} "${it.label}" at x=${it.x.toFixed(1)} y=${it.y.toFixed(1)} w=${it.w.toFixed(1)} h=${it.h.toFixed(1)}`;
    if (it.role === 'button' && it.h < 44 - 0.01) out.push(`${where}: button lower than 44 CSS px`);
    if (it.x + it.w > view.width + 1) out.push(`${where}: extends past the right edge (${view.width} px)`);
  }
  // The status region (the status line and what follows it) grows to fit what it says: none
  // of it is cut off at the bottom (on a phone at 150 % the pieces wrap onto several lines).
  const status = m.items.findIndex((i) => /  ·  (Online|Offline)/.test(i.label));
  for (const it of status < 0 ? [] : m.items.slice(status))
    if (it.y + it.h > view.height + 1)
      out.push(`${size} ${name} status ${it.role} "${it.label}" ends at y=${(it.y + it.h).toFixed(1)}: cut off at the bottom (${view.height} px)`);
  return out;
}

// Other touch targets under 44 px are logged (not asserted: the brief asks it of buttons).
function smallTargets(m, size, name) {
  return m.items.filter((it) => ['link', 'checkbox', 'textbox', 'combobox', 'option'].includes(it.role) && it.h < 44 - 0.01)
    .map((it) => `${size} ${name} ${it.role} "${it.label}" h=${it.h.toFixed(1)}`);
}

for (const [size, view] of Object.entries(SIZES)) {
  test(`every screen at ${size} size (${view.width}x${view.height} @${view.dpr}x)`, async (t) => {
    const t0 = Date.now();
    const { context } = await launch(profile, view);
    const problems = [], notes = [], errors = [], steps = [];
    try {
      const page = context.pages()[0] || (await context.newPage());
      page.on('pageerror', (e) => errors.push(e.message));
      const capture = async (name, expectScreen) => {
        const m = await settled(page);
        assert.equal(m.screen, expectScreen, `${size} ${name}: on screen ${m.screen}`);
        const pic = await snap(page, `${size}-${name}`);
        // Something is drawn: a blank (or black) canvas is one colour from edge to edge.
        const blank = pic.colours < 8 || pic.dominant > 0.985;
        if (blank)
          problems.push(`${size} ${name}: the screenshot is blank (${pic.colours} colours, ${(pic.dominant * 100).toFixed(1)}% ${pic.dominantColour})`);
        if (pic.width !== Math.round(view.width * view.dpr))
          problems.push(`${size} ${name}: screenshot ${pic.width} px wide, expected ${view.width} x ${view.dpr}`);
        problems.push(...layoutProblems(m, size, name, view));
        notes.push(...smallTargets(m, size, name));
        steps.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}`);
        return !blank;
      };

      await resetOrigin(page, server.url);
      await page.goto(server.url);
      await ready(page);
      await screen(page, 'unlock');
      await find(page, 'Welcome to Parley', { role: 'heading' });
      await capture('welcome', 'unlock');
      await choosePassphrase(page);
      await capture('first-run', 'first-run');

      await seedProfile(page, server.url, (await seeding).bytes);
      await screen(page, 'unlock');
      await find(page, 'Unlock Parley', { role: 'heading' });
      await capture('unlock', 'unlock');
      await unlock(page);
      await find(page, new RegExp(`^${subjectName(RICH)} — `), { role: 'link' });
      await capture('home', 'home');
      if (size === 'tablet')
        await t.test('a finger drag scrolls the Home list of 200 challenges and opens nothing', () => dragChecks(page, view));

      await tap(page, 'Raise a challenge', { role: 'button' });
      await screen(page, 'raise');
      await find(page, 'Yes, someone is at imminent risk', { role: 'button' });
      await capture('raise-question', 'raise');
      await tap(page, 'Yes, someone is at imminent risk', { role: 'button' });
      await find(page, 'Continue to record the disagreement', { role: 'button' });
      await capture('raise-guidance', 'raise');
      await tap(page, 'Continue to record the disagreement', { role: 'button' });
      await find(page, 'Raise challenge', { role: 'button' });
      await capture('raise-details', 'raise');
      await press(page, '< Home', { role: 'button' });
      await screen(page, 'home');

      // The expedited challenge is the most urgent, so it is the first row.
      const rows = (await settled(page)).items.filter((i) => i.role === 'link');
      assert.match(rows[0].label, new RegExp(`^${subjectName(RICH)} — `), 'the expedited challenge heads the list');
      await tap(page, rows[0].label, { role: 'link' });
      await screen(page, 'challenge');
      await find(page, /^Stage 2: /, { role: 'heading' });
      await capture('challenge', 'challenge');

      await tap(page, 'Record form (print)', { role: 'button' });
      await screen(page, 'record-form');
      await find(page, 'Print or save as PDF', { role: 'button' });
      await capture('record-form', 'record-form');

      await press(page, 'Settings', { role: 'button' });
      await screen(page, 'settings');
      await capture('settings', 'settings');

      // High contrast and 150% text, set as a person would, then Home again.
      for (let i = 0; i < 5; i++) await tap(page, 'Larger text', { role: 'button' });
      await find(page, 'Text size: 150%');
      await tap(page, 'High-contrast colours', { role: 'checkbox' });
      await find(page, 'High-contrast colours', { role: 'checkbox' }).then((it) => assert.equal(it.value, 'checked'));
      await capture('settings-high-contrast-150', 'settings');
      await press(page, '< Home', { role: 'button' });
      await screen(page, 'home');
      if (!(await capture('home-high-contrast-150', 'home'))) {
        // Nothing drawn after the change: look at the same settings read at start (the
        // first frame builds the fonts and theme), so their layout is still checked.
        await saved(page);
        await page.reload();
        await ready(page);
        await unlock(page);
        await capture('home-high-contrast-150-after-reload', 'home');
      }
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      console.log(`${size}: ${((Date.now() - t0) / 1000).toFixed(1)} s (${steps.join(', ')})`);
      if (notes.length) console.log(`touch targets (not buttons) under 44 CSS px:\n${notes.join('\n')}`);
      if (problems.length) console.log(`layout problems:\n${problems.join('\n')}`);
    }
    assert.deepEqual(problems, [], `layout problems at ${size} size`);
  });
}

// On Home with the seeded list at the top: drag it with a finger (item 9).
async function dragChecks(page, view) {
  // Rows whose middle is on screen, above the status bar.
  const first = await settled(page);
  assert.equal(first.screen, 'home');
  const statusTop = first.items.find((i) => /  ·  Storage: /.test(i.label)).y;
  const rowsOf = (m) => m.items.filter((i) => i.role === 'link' && i.y + i.h / 2 > 0 && i.y + i.h / 2 < statusTop);
  const before = rowsOf(first);
  assert.ok(before.length >= 5, `rows on screen: ${before.length}`);
  const lastBefore = before[before.length - 1];
  // Start on a row in the middle of the list: a tap there would open it.
  const start = before[Math.floor(before.length / 2)];
  await drag(page, start.x + start.w / 2, start.y + start.h / 2, -400, 8);
  let m = await settled(page);
  assert.equal(m.screen, 'home', 'the drag opened a challenge');
  const afterRows = rowsOf(m);
  const moved = afterRows.find((r) => r.label === start.label && r.value === start.value);
  assert.ok(moved, `the row the finger started on (${start.label}) left the screen after a 400 px drag`);
  const dy = moved.y - start.y;
  assert.ok(dy < -300 && dy > -500, `the list moved ${dy.toFixed(1)} CSS px for a 400 px drag`);
  const beforeIds = new Set(before.map((r) => r.value));
  const fresh = afterRows.filter((r) => !beforeIds.has(r.value));
  assert.ok(fresh.length >= 3, `rows further down came into view: ${fresh.map((r) => r.label).join(' | ')}`);
  assert.ok(fresh.every((r) => r.y > lastBefore.y - 400 - 1), 'new rows are below the old ones');

  // A long drag, kept inside the list (a finger that leaves it stops scrolling it): none
  // of the first screenful is left, still on Home; then two back to the top.
  const list = { top: Math.min(...before.map((r) => r.y)), bottom: Math.min(statusTop - 10, Math.max(...before.map((r) => r.y + r.h))) };
  const span = Math.floor(list.bottom - list.top - 80);
  await drag(page, view.width / 2, list.bottom - 40, -span, 5);
  m = await settled(page);
  assert.equal(m.screen, 'home');
  const far = rowsOf(m);
  assert.ok(far.length >= 5 && far.every((r) => !beforeIds.has(r.value)),
    `after ${400 + span} px of dragging none of the first rows is on screen: ${far.map((r) => r.label).join(' | ')}`);
  // Opening one of them and coming back finds Home where it was left, not at its top.
  await tap(page, far[Math.floor(far.length / 2)].label, { role: 'link' });
  await screen(page, 'challenge');
  await press(page, '< Home', { role: 'button' });
  await screen(page, 'home');
  m = await settled(page);
  assert.equal(rowsOf(m)[0]?.value, far[0].value, 'back on Home, the list is not where it was left');
  for (let i = 0; i < 2; i++) await drag(page, view.width / 2, list.top + 40, span, 5);
  m = await settled(page);
  assert.equal(m.screen, 'home');
  assert.equal(rowsOf(m)[0].value, before[0].value, 'dragging down returns to the top of the list');
}
