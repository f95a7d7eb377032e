// tests/web/board.test.mjs — the Board dashboard in the browser against the real office
// server (parley-server --demo): challenges are raised, resolved and synced through the CLI
// as a police safeguarding lead (six in one month, category and agency pair, so their
// figures are shown; two in each of two others, so theirs are suppressed and cannot be
// worked out from the total), then the demo Board manager signs in
// on the web client, opens "Board dashboard" from Home and reads the figures through the
// hidden DOM mirror (never canvas pixels): shown counts, "not shown", the suppression
// note, the flagged pattern. Also: both CSV downloads (their header rows), offline keeping
// the last figures with a Retry, custom dates and the agency filter (an empty period says
// so), and screenshots at phone (390x844 @3x), tablet (820x1180
// @2x) and desktop (1280x800 @1x) size, scrolled through the whole screen, into
// $PARLEY_TEST_OUTPUT/board-<size>-<n>.png, with the layout facts the mirror can check:
// every button at least 44 CSS px high and nothing past the right edge; on the phone also
// at 150% text (board-phone-150-<n>.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, ready, find, screen, tap, settled, drag, unlock } from './harness.mjs';
import { enter, press, snap, describeMirror, dayInMonth, seedPoliceChallenges } from './seed.mjs';
import { startSyncServer, signIn, api, apiLogin, DEMO_PASSWORD } from './sync_support.mjs';

const SIZES = {
  tablet: { width: 820, height: 1180, dpr: 2 },
  phone: { width: 390, height: 844, dpr: 3 },
  desktop: { width: 1280, height: 800, dpr: 1 },
};
const FIGURES_HEADER = 'section,label,month,stage,value,suppressed';
const ROWS_HEADER = 'row,procedure,month_opened,category,challenger_agency,challenged_agency,status,stage,' +
  'working_days_to_resolution,timescales_missed,expedited';

let server;
let profile;   // one browser profile for every size: signed in once, unlocked with the passphrase after
before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'parley-board-'));
  server = await startSyncServer();
  await seed(server);
});
after(async () => {
  if (server) await server.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// Seventeen challenges from Demo Police, synced to the server: six about care planning
// with Demo Adult Social Care three months ago (two resolved), two about information
// sharing with Demo Housing Trust two months ago, two about communication with Demo
// Community Health last month. Two small groups, not one: the server also hides a figure
// that the total minus the shown ones would give away. And one a month, four to ten
// months ago, about levels of need with Demo Community Health: ten months in the chart,
// too many for columns on a phone, so it lays out as rows there.
async function seed(srv) {
  const rows = [];
  for (let i = 0; i < 6; i++) rows.push([3, 'care_planning', 'Demo Adult Social Care']);
  for (let i = 6; i < 8; i++) rows.push([2, 'information_sharing', 'Demo Housing Trust']);
  for (let i = 8; i < 10; i++) rows.push([1, 'communication', 'Demo Community Health']);
  for (let i = 10; i < 17; i++) rows.push([i - 6, 'levels_of_need', 'Demo Community Health']);
  await seedPoliceChallenges(srv, DEMO_PASSWORD, { deviceName: 'board.test.mjs', label: 'Board', rows, resolved: 2 });
}

// The layout facts for the current mirror; returns problems as readable lines.
function layoutProblems(m, label, view) {
  const out = [];
  for (const it of m.items) {
    const where = `${label} ${it.role} "${it.label.slice(0, 80)}" at x=${it.x.toFixed(1)} w=${it.w.toFixed(1)} h=${it.h.toFixed(1)}`;
    if (it.role === 'button' && it.h < 44 - 0.01) out.push(`${where}: button lower than 44 CSS px`);
    if (it.x + it.w > view.width + 1) out.push(`${where}: extends past the right edge (${view.width} px)`);
  }
  return out;
}

const labels = (m) => m.items.map((i) => i.label);

// Settings → the text size button until the size reads `want` → Home.
async function setTextSize(page, button, want) {
  await press(page, 'Settings', { role: 'button' });
  await screen(page, 'settings');
  const size = async () => (await settled(page)).items.find((it) => /^Text size: /.test(it.label))?.label;
  for (let i = 0, now = await size(); i < 8 && now !== `Text size: ${want}`; i++) {
    await tap(page, button, { role: 'button' });
    // One step at a time: on a loaded machine the next frame can come after tap()'s pause,
    // and tapping again on the old reading would step past the size wanted.
    await page.waitForFunction((before) => globalThis.parleyMirror.items.some((it) => /^Text size: /.test(it.label) && it.label !== before),
      now, { timeout: 10000 });
    now = await size();
  }
  await find(page, `Text size: ${want}`);
  await press(page, '< Home', { role: 'button' });
  await screen(page, 'home');
}

// Waits until the dashboard shows figures (not "Fetching…").
async function figuresShown(page) {
  await find(page, /^Figures as of .* · challenges opened /, { timeout: 20000 });
  return settled(page);
}

// Screenshots from the top of the dashboard to its end, a finger drag between each.
async function shootAll(page, size, view, problems) {
  let n = 0;
  for (let i = 0; i < 12; i++) {
    const m = await settled(page);
    const pic = await snap(page, `board-${size}-${++n}`);
    if (pic.colours < 8 || pic.dominant > 0.985) problems.push(`${size} shot ${n}: blank`);
    problems.push(...layoutProblems(m, `${size} shot ${n}`, view));
    const last = m.items.find((it) => /^Flagged: |^None: no \d+ or more challenges/.test(it.label));
    if (last && last.y + last.h < view.height - 150) break;   // the end is on screen
    await drag(page, view.width / 2, view.height - 250, -(view.height - 400), 6);
  }
  return n;
}

test('the Board dashboard answers only the Board (API)', async () => {
  const police = await apiLogin(server, 'police-lead');
  const refused = await api(server, 'GET', 'api/board/dashboard', { token: police });
  assert.equal(refused.status, 403);
  const board = await apiLogin(server, 'board');
  const ok = await api(server, 'GET', 'api/board/dashboard', { token: board });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.equal(ok.json.total.value, 17, `the seeded challenges reached the server: ${JSON.stringify(ok.json.total)}`);
});

for (const [size, view] of Object.entries(SIZES)) {
  test(`the Board dashboard at ${size} size (${view.width}x${view.height} @${view.dpr}x)`, async () => {
    const { context } = await launch(profile, view);
    const errors = [], problems = [];
    try {
      const page = context.pages()[0] || (await context.newPage());
      page.on('pageerror', (e) => errors.push(e.message));
      if (size === 'tablet') {
        await signIn(page, server, 'board');
      } else {
        await page.goto(server.url);
        await ready(page);
        await unlock(page);
      }
      // Home as the Board sees it: the dashboard's button in the top bar, nothing clipped.
      const home = await settled(page);
      problems.push(...layoutProblems(home, `${size} home`, view));
      await snap(page, `board-${size}-home`);
      await press(page, 'Board dashboard', { role: 'button' });
      await screen(page, 'board');
      const m = await figuresShown(page);
      const all = labels(m);
      const has = (re, what) => assert.ok(all.some((l) => re.test(l)), `${what}: no ${re} in ${all.join(' | ')}`);
      has(/^Challenges opened: 17$/, 'the total');
      has(/^Levels of need: 7$/, 'a category spread over months');
      has(/^\d+ figures? (is|are) suppressed .*Counts under 5 are not shown, so no one can be identified; .*subtraction\.$/,
        'the suppression note');
      // The month chart's text alternative carries every bar's value, suppressed ones in words.
      has(/^Opened and resolved, by month\. .*Opened 6, Resolved not shown; .*Opened not shown, Resolved 0/, 'the month chart');
      has(/^Care planning: 6$/, 'a shown category');
      has(/^Information sharing: not shown$/, 'a suppressed category');
      has(/^Demo Police → Demo Community Health: 9$/, 'an agency pair');
      has(/^Median and 90th percentile: suppressed \(fewer than 5 resolved\)\.$/, 'days to resolution');
      has(/^Isolated or systemic\? Demo Police → Demo Adult Social Care, category Care planning: not shown within 90 days/, 'the pattern (its pair is hidden, so its count is too)');
      for (const b of ['Download figures (CSV)', 'Download rows (CSV)', '< Home'])
        assert.ok(m.items.some((i) => i.role === 'button' && i.label === b), `no "${b}" button`);

      if (size === 'tablet') {
        // Both downloads: a real browser download of the CSV the server made.
        for (const [button, header, name] of [['Download figures (CSV)', FIGURES_HEADER, /^parley-board-figures-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$/],
          ['Download rows (CSV)', ROWS_HEADER, /^parley-board-rows-.*\.csv$/]]) {
          const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), tap(page, button, { role: 'button' })]);
          assert.match(download.suggestedFilename(), name);
          const text = readFileSync(await download.path(), 'utf8');
          assert.equal(text.split('\r\n')[0], header, `${button}: first line`);
          await find(page, `Downloaded ${download.suggestedFilename()} (see your browser's downloads)`);
        }
        // Offline: a filter change cannot be fetched, the last figures stay, marked; Retry.
        await context.setOffline(true);
        await tap(page, 'Period', { role: 'combobox' });
        // "Last year", not "This year": in December "Last 12 months" is this year's months,
        // the same query, and nothing would be fetched.
        await tap(page, 'Last year', { role: 'option' });
        await find(page, /^Figures as of .*; offline — not refreshed\.$/, { timeout: 40000 });
        await find(page, 'Challenges opened: 17');
        // The kept figures say what they cover: not the period the filter now shows.
        await find(page, /^Shown: challenges opened \d+ \w+ \d{4} to \d+ \w+ \d{4} · all agencies\.$/);
        await find(page, 'Retry', { role: 'button' });
        await snap(page, 'board-tablet-offline');
        await context.setOffline(false);
        await tap(page, 'Retry', { role: 'button' });
        await figuresShown(page);
        // Custom dates typed as YYYY-MM-DD: the one month of the six care-planning challenges.
        await tap(page, 'Period', { role: 'combobox' });
        await tap(page, 'Custom dates', { role: 'option' });
        const first = dayInMonth(3, 1).slice(0, 10), last = dayInMonth(2, 0).slice(0, 10);
        await enter(page, 'From (first day opened, YYYY-MM-DD)', first);
        await enter(page, 'To (last day opened, YYYY-MM-DD)', last);
        await find(page, 'Challenges opened: 6', { timeout: 20000 });
        await find(page, /^Figures as of .* · challenges opened 1 \w+ \d{4} to \d+ \w+ \d{4} · all agencies$/);
        // An agency with no challenges then: an empty dashboard says so.
        await tap(page, 'Agency', { role: 'combobox' });
        await tap(page, 'Demo Housing Trust', { role: 'option' });
        await find(page, 'No challenges were opened in this period involving Demo Housing Trust.', { timeout: 20000 });
        await snap(page, 'board-tablet-empty');
        await tap(page, 'Agency', { role: 'combobox' });
        await tap(page, 'All agencies', { role: 'option' });
        await tap(page, 'Period', { role: 'combobox' });
        await tap(page, 'Last 12 months', { role: 'option' });
        await find(page, 'Challenges opened: 17', { timeout: 20000 });
        await figuresShown(page);
        // Back to the top for the screenshots.
        for (let i = 0; i < 6; i++) await drag(page, view.width / 2, 300, 700, 4);
      }
      const shots = await shootAll(page, size, view, problems);
      console.log(`${size}: ${shots} screenshots`);
      if (size === 'phone') {
        // 150% text on a phone: nothing may be clipped. Then back to 100% for the next size.
        await setTextSize(page, 'Larger text', '150%');
        await press(page, 'Board dashboard', { role: 'button' });
        await screen(page, 'board');
        await figuresShown(page);
        console.log(`phone at 150%: ${await shootAll(page, 'phone-150', view, problems)} screenshots`);
        await setTextSize(page, 'Smaller text', '100%');
      }
      assert.deepEqual(errors, []);
    } catch (e) {
      const page = context.pages()[0];
      if (page) console.log(`mirror at failure: ${await describeMirror(page)}`);
      throw e;
    } finally {
      await context.close();
      if (problems.length) console.log(`layout problems:\n${problems.join('\n')}`);
    }
    assert.deepEqual(problems, [], `layout problems at ${size} size`);
  });
}
