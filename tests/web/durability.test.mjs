// tests/web/durability.test.mjs — "No record a user saved is ever lost" (web-client brief
// items 1, 2 and 5), in headless Chromium on a persistent profile against the real server:
//
//  * many trials: add a comment to a seeded challenge through the Challenge screen, wait
//    for the status bar to say "Saved", then kill the browser (SIGKILL to its process
//    group: no shutdown, no flush) 0-300 ms later, relaunch on the same profile, and check
//    that every comment ever shown as Saved is in the timeline;
//  * a negative control (logged, not asserted): kill right after tapping "Save comment",
//    before "Saved", to show the check can see a record go missing;
//  * a profile whose "saved on this device" flag is set but whose IndexedDB record is
//    gone opens on the storage-problem screen, never an empty Home, and writes nothing.
// The seeded store is encrypted, as every store is: each start unlocks it first (so the
// trials check encrypted saves).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, ready, find, screen, tap, saved, settled, shot, unlock, moreActions } from './harness.mjs';
import { buildDatabase, seedProfile, deleteStoredDatabase, enter, browserPid, crash, describeMirror } from './seed.mjs';

const VIEW = { width: 700, height: 1000, dpr: 1 };
const SUBJECT = 'Durable Testperson';
// 0-300 ms after "Saved", spread over the range and not in order.
const DELAYS = [0, 300, 150, 20, 275, 60, 220, 100, 190, 5, 250, 130];

let server;
before(async () => { server = await startServer(); });
after(async () => { if (server) await server.stop(); });

async function openApp(dir, seedBytes) {
  const { context } = await launch(dir, VIEW);
  const pid = browserPid(dir);
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (seedBytes) await seedProfile(page, server.url, seedBytes);
  else { await page.goto(server.url); await ready(page); }
  await unlock(page);
  return { context, page, pid, errors };
}

// On Home: open the seeded challenge; returns the texts among `expected` that are missing
// from its timeline.
async function openChallengeAndCheck(page, expected) {
  await screen(page, 'home');
  await tap(page, new RegExp(`^${SUBJECT} — `), { role: 'link' });
  await screen(page, 'challenge');
  const m = await settled(page);
  const texts = new Set(m.items.filter((i) => i.role === 'text').map((i) => i.label));
  return expected.filter((t) => !texts.has(t));
}

async function startComment(page, text) {
  await moreActions(page);
  await tap(page, 'Comment', { role: 'button' });
  await enter(page, 'Comment', text);
  await find(page, 'Save comment', { role: 'button' });
}

// One chain of trials on one profile. Two chains (6 + 6 trials) run side by side, so one
// browser's start-up overlaps the other's work.
async function chain(name, delays, { control = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `parley-durability-${name}-`));
  const { bytes } = await buildDatabase({ challenges: 1, subject: SUBJECT });
  const shownSaved = [];   // every comment the UI showed as Saved
  const report = [];
  let session = await openApp(dir, bytes);
  try {
    for (let i = 0; i < delays.length; i++) {
      const { page } = session;
      const missing = await openChallengeAndCheck(page, shownSaved);
      assert.deepEqual(missing, [], `chain ${name}, before trial ${i + 1}: comments shown as Saved are missing: ${JSON.stringify(missing)}`);
      const text = `Durability note ${name}${i + 1} ${Math.random().toString(36).slice(2, 8)}`;
      await startComment(page, text);
      await tap(page, 'Save comment', { role: 'button' });
      await saved(page);
      shownSaved.push(text);
      await page.waitForTimeout(delays[i]);
      await crash(session.context, session.pid);
      report.push(`chain ${name} trial ${i + 1}: "Saved" shown, browser killed ${delays[i]} ms later`);
      assert.deepEqual(session.errors, [], `chain ${name}: page errors`);
      session = await openApp(dir);
    }
    const missing = await openChallengeAndCheck(session.page, shownSaved);
    assert.deepEqual(missing, [], `chain ${name}, after the last trial: missing ${JSON.stringify(missing)}`);
    report.push(`chain ${name}: all ${shownSaved.length} comments shown as Saved were in the timeline after ${delays.length} kills`);
    if (control) {
      // Negative control (logged, not asserted): kill as soon as "Save comment" is tapped,
      // before the status bar can say Saved; the same check must be able to see it missing.
      const text = `Control note ${Math.random().toString(36).slice(2, 8)}`;
      await startComment(session.page, text);
      const it = await find(session.page, 'Save comment', { role: 'button' });
      await session.page.touchscreen.tap(it.x + it.w / 2, it.y + it.h / 2);
      const sawSaved = await session.page.evaluate(() =>
        globalThis.parleyMirror.items.some((i) => /^Saved/.test(i.label)) && globalThis.parleyDurableGeneration > 0);
      await crash(session.context, session.pid);
      session = await openApp(dir);
      const after = await openChallengeAndCheck(session.page, [...shownSaved, text]);
      report.push(`negative control (killed right after tapping Save comment; "Saved" seen first: ${sawSaved}): ` +
        (after.includes(text) ? 'the comment was lost, and the check reported it missing' : 'the comment survived anyway'));
      assert.deepEqual(after.filter((t) => t !== text), [], 'the earlier comments survived the control kill too');
    }
    assert.deepEqual(session.errors, [], `chain ${name}: page errors`);
    return report;
  } catch (e) {
    e.message += `\n${report.join('\n')}`;
    throw e;
  } finally {
    await session.context.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every comment shown as Saved survives the browser being killed 0-300 ms later (12 trials)', async () => {
  const t0 = Date.now();
  // Both chains finish (or fail) before the test ends and the server stops.
  const results = await Promise.allSettled([chain('A', DELAYS.slice(0, 6)), chain('B', DELAYS.slice(6), { control: true })]);
  const reports = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  console.log([...reports.flat(), `took ${((Date.now() - t0) / 1000).toFixed(1)} s`].join('\n'));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
});

test('stored records missing but the device says it saved some: storage-problem screen, never an empty Home', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-missing-'));
  const { bytes } = await buildDatabase({ challenges: 3 });
  const { context } = await launch(dir, VIEW);
  try {
    const page = context.pages()[0] || (await context.newPage());
    await seedProfile(page, server.url, bytes);
    await unlock(page);
    const left = await deleteStoredDatabase(page, server.url);
    assert.deepEqual(left, { left: 0, flag: '1' });
    await page.goto(server.url);
    await ready(page);
    await page.waitForTimeout(500);
    const m = await settled(page);
    assert.equal(m.screen, 'storage-problem', `opened on ${await describeMirror(page)}`);
    assert.ok(m.items.some((i) => i.role === 'alert' && /missing/.test(i.label)), 'says the records are missing');
    assert.ok(!m.items.some((i) => i.role === 'link'), 'shows no challenge list');
    await shot(page, 'durability-storage-problem');
    const status = m.items.find((i) => /  ·  Storage: /.test(i.label));
    assert.ok(status, 'the status bar is shown');
    assert.ok(!/^All saved/.test(status.label), `the status bar claims everything is saved: "${status.label}"`);
    // It has not quietly written an empty database in place of the missing one.
    await page.waitForTimeout(1000);
    const stored = await page.evaluate(() => new Promise((res) => {
      const req = indexedDB.open('parley', 1);
      req.onsuccess = () => {
        // Any record of the database: the manifest, a chunk, or the first format's record.
        const range = IDBKeyRange.bound('parley.db', 'parley.db\uffff');
        const g = req.result.transaction('files', 'readonly').objectStore('files').count(range);
        g.onsuccess = () => { res(g.result ? 'present' : 'absent'); req.result.close(); };
      };
    }));
    assert.equal(stored, 'absent', 'an empty database was written over the missing one');
    // And again after a reload: still the problem screen.
    await page.reload();
    await ready(page);
    await screen(page, 'storage-problem');
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
