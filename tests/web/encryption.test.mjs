// tests/web/encryption.test.mjs — the browser side of issue 11 ("records on a lost tablet
// stay unreadable"), through the real web client in headless Chromium against the real
// office server (parley-server --demo, which also serves the client):
//   a. signed in, with a challenge about "Zebedee Quartermaine" saved and synced: neither
//      the raw records of the 'parley' IndexedDB database nor any file of the browser's
//      profile directory (read after the browser closed) holds the name, the summary, the
//      sync token (taken from the sign-in answer on the wire, and checked to be the one the
//      client then sends), the password or the passphrase. Controls: the same searches do
//      find the name in a plain store's bytes and in a profile that held one;
//   b. wrong passphrases (a table of near misses) open nothing and count down; the right one
//      opens the records; near the chosen limit the lock screen warns how many records
//      would be lost, and the last wrong one erases them (the Welcome door again);
//   c. one byte changed in a sealed page of a stored store (byte 5000 of chunk 0, and a
//      byte in pages of other kinds and in the other chunk record: a table) is detected on
//      unlock and shown on the storage-problem screen: never opened, never a silently empty
//      list, never a dead page;
//   d. auto-lock with a pinned clock (Playwright's page.clock on JavaScript's Date, the
//      app's clock): open at 4:59 of no input, locked at 5:00; once locked, the wasm heap,
//      the mirror and the DOM hold neither the name nor the summary nor the unsent draft,
//      and the draft comes back after unlocking. Hidden for 5 minutes locks too, with no
//      frame drawn (see hide() for how a hidden tab is made);
//   e. revoke with wipe: `parley-server admin revoke-device DEVICE --wipe`; at its next
//      contact the client erases itself: the Welcome door with the administrator's message,
//      no record in IndexedDB, Cache Storage empty, nothing of the name on disk;
//   f. migration: a plain store as the release before wrote it (tests/fixtures/
//      make_store.cpp, with its old four-digit PIN) opens at the Upgrade door; wrong PINs
//      and refused passphrases are refused; the right PIN encrypts it (Home with the
//      challenge; the raw records no longer hold the name). Killing the browser at a spread
//      of moments after "Encrypt and continue" always leaves the old store (Upgrade door,
//      records intact after upgrading) or the new one (Unlock door, records intact);
//   g. screenshots at phone (390x844 @3x) and tablet (820x1180 @2x) size of the Welcome
//      door, the Unlock door, the locked state, the warning near the limit and the Upgrade
//      door, with the layout facts the mirror can check, to $PARLEY_TEST_OUTPUT/enc-*.png.
// Run: node --test tests/web/encryption.test.mjs (PARLEY_SERVER_BIN, PARLEY_WEB_ROOT,
// PARLEY_PASSPHRASE_FILE and PARLEY_TEST_OUTPUT as in tools/test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, lstatSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSPHRASE, launch, ready, find, screen, tap, settled, mirror, choosePassphrase, unlock, moreActions } from './harness.mjs';
import {
  buildDatabase, buildPlainDatabase, seedProfile, storedRecords, enter, press, describeMirror, browserPid, crash, snap,
} from './seed.mjs';
import { startSyncServer, signIn, admin, waitStatus, generation, savedAfter, DEMO_PASSWORD } from './sync_support.mjs';

const SUBJECT = 'Zebedee Quartermaine';
const SUMMARY = 'Quillfeather Row tenancy referral closed without a home visit';
const DRAFT = 'Unsent note: Marrowgate duty desk promised a callback';
const OLD_PIN = '2468';
const TABLET = { width: 820, height: 1180, dpr: 2 };
const PHONE = { width: 390, height: 844, dpr: 3 };
const SYNCED = /Last synced: (\d\d:\d\d|\w{3} \d+ \w{3} (\d{4} )?\d\d:\d\d)/;
const ERASED_BY_OFFICE = "The Board's administrator asked this device to erase its Parley records, so they were erased.";
const DAMAGED = /damaged: part of it failed its integrity check/;

let server;
const dirs = [];
before(async () => { server = await startSyncServer(); });
after(async () => {
  if (server) await server.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function profileDir(name) {
  const d = mkdtempSync(join(tmpdir(), `parley-enc-${name}-`));
  dirs.push(d);
  return d;
}

// A browser on `dir` (a new profile unless given), its first page, and the page's errors.
async function open(name, view = TABLET, dir = profileDir(name)) {
  const { context } = await launch(dir, view);
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, dir, errors, pid: browserPid(dir) };
}

// ---- What is searched, and where ------------------------------------------------------

// The needles found in `buf`, in UTF-8 and in UTF-16 (how Chromium may keep a JS string).
function found(buf, needles) {
  const out = [];
  for (const [what, text] of Object.entries(needles))
    for (const enc of ['utf8', 'utf16le'])
      if (text && buf.indexOf(Buffer.from(text, enc)) >= 0) out.push(`${what} (${enc})`);
  return out;
}

// Every regular file under `dir` (links and sockets skipped), searched for the needles.
function scanDir(dir, needles) {
  const hits = [];
  let files = 0, bytes = 0;
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const buf = readFileSync(p);
        files++;
        bytes += buf.length;
        for (const h of found(buf, needles)) hits.push(`${p.slice(dir.length + 1)}: ${h}`);
      }
    }
  };
  walk(dir);
  return { files, bytes, hits };
}

// The stored records' hits, and a summary of what is stored (for messages).
async function recordHits(page, needles) {
  const records = await storedRecords(page);
  const hits = [];
  for (const r of records) for (const h of found(r.bytes, needles)) hits.push(`${r.key}: ${h}`);
  return { records, hits, keys: records.map((r) => `${r.key} (${r.bytes.length} bytes)`) };
}

// How many times each needle's UTF-8 bytes occur in the wasm heap (all of it: the
// Emscripten module's memory, which the C++ heap, stack and static data live in). With
// `where`, each hit's address and the printable bytes around it instead, to say whose
// memory it is in a failure message.
async function heapHits(page, needles, { where = false } = {}) {
  return page.evaluate(([needles, where]) => {
    const heap = new Uint8Array(wasmMemory.buffer);
    const printable = (from, to) => Array.from(heap.subarray(Math.max(0, from), to), (c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');
    const out = {};
    for (const [what, text] of Object.entries(needles)) {
      const b = new TextEncoder().encode(text);
      const hits = [];
      for (let i = heap.indexOf(b[0]); i !== -1 && i <= heap.length - b.length; i = heap.indexOf(b[0], i + 1)) {
        let k = 1;
        while (k < b.length && heap[i + k] === b[k]) k++;
        if (k === b.length) hits.push(where ? `at ${i} of ${heap.length} (the stack pointer, idle, is ${stackSave()}): "${printable(i - 48, i + b.length + 48)}"` : i);
      }
      if (hits.length) out[what] = where ? hits : hits.length;
    }
    return out;
  }, [needles, where]);
}

// [] when the heap holds none of the needles; otherwise one line saying where each is. The
// tests collect these and fail at their end, so one leak does not hide the checks after it.
async function heapProblems(page, needles, message) {
  const hits = await heapHits(page, needles);
  if (!Object.keys(hits).length) return [];
  return [`${message}: ${JSON.stringify(hits)}\n${JSON.stringify(await heapHits(page, needles, { where: true }), null, 1)}`];
}

// Whatever the page shows or offers to assistive technology: the mirror, the DOM's text
// (the hidden mirror elements included) and the aria-live region.
async function shownHits(page, needles) {
  const text = await page.evaluate(() => JSON.stringify(globalThis.parleyMirror) + '\n' + document.documentElement.outerHTML);
  return found(Buffer.from(text), needles);
}

// ---- Steps a person takes -------------------------------------------------------------

// First run without a server: who I am → Home.
async function startLocally(page) {
  await screen(page, 'first-run', 30000);
  await enter(page, 'Your name', 'Sam Example');
  await enter(page, 'Agency', 'Northshire Council Adult Social Care');
  await tap(page, 'Start using Parley', { role: 'button' });
  await screen(page, 'home');
}

// Home → a new challenge about SUBJECT, saved (durable) → its Challenge screen.
async function raise(page, otherAgency = 'Northshire Police') {
  await tap(page, 'Raise a challenge', { role: 'button' });
  await screen(page, 'raise');
  await tap(page, 'No', { role: 'button' });
  await enter(page, 'Name', SUBJECT);
  await enter(page, 'Other agency', otherAgency);
  await enter(page, 'Summary of the reason for the dispute', SUMMARY);
  const gen = await generation(page);
  await tap(page, 'Raise challenge', { role: 'button' });
  await screen(page, 'challenge');
  await savedAfter(page, gen);
  await find(page, new RegExp(`^${SUBJECT} — `), { role: 'heading' });
}

// The top bar is above where harness.tap scrolls to: press it where it is.
async function lockNow(page) {
  await press(page, 'Lock', { role: 'button' });
  await screen(page, 'unlock');
}

// The choice `label` set to `option` on the Settings screen.
async function choose(page, label, option) {
  await tap(page, label, { role: 'combobox' });
  await tap(page, option, { role: 'option' });
  const it = await find(page, label, { role: 'combobox' });
  assert.equal(it.value, option, `${label}`);
}

// A hidden tab, as far as a page can be made one: headless Chromium reports every page as
// visible and has no way to hide one (Playwright issue #2286), so the page is told it is
// hidden (document.visibilityState and a visibilitychange event, which wasm/pre.js
// listens to) and, as a browser does for a hidden tab, its animation frames are held back
// until it is shown again: the app draws nothing and only pre.js's timer can lock it.
async function hide(page) {
  await page.evaluate(() => {
    const held = [];
    const raf = window.requestAnimationFrame;
    globalThis.parleyTestTab = { held, raf };
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    window.requestAnimationFrame = (cb) => { held.push(cb); return held.length; };
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

async function show(page) {
  await page.evaluate(() => {
    const { held, raf } = globalThis.parleyTestTab;
    delete document.visibilityState;
    delete document.hidden;
    window.requestAnimationFrame = raf;
    document.dispatchEvent(new Event('visibilitychange'));
    for (const cb of held.splice(0)) raf.call(window, cb);
  });
}

// ---- a. Nothing readable at rest ------------------------------------------------------

test('a. signed in with a challenge saved: no name, summary, token, password or passphrase in IndexedDB or on disk', async () => {
  // Controls first: the searches below can see a plain store's name, in its bytes and in a
  // browser profile that stored it (if they could not, their silence would prove nothing).
  const plain = await buildPlainDatabase({ subject: SUBJECT, summary: SUMMARY });
  assert.deepEqual(found(plain.bytes, { name: SUBJECT }), ['name (utf8)'], 'control: the name is in a plain store\'s bytes');
  const control = await open('a-control');
  await seedProfile(control.page, server.url, plain.bytes, { open: false, format: 'chunks' });
  assert.ok((await recordHits(control.page, { name: SUBJECT })).hits.length > 0, 'control: the records search sees a plain store');
  await control.context.close();
  const controlDisk = scanDir(control.dir, { name: SUBJECT });
  assert.ok(controlDisk.hits.length > 0, `control: the profile of a browser that stored a plain store has the name on disk ` +
    `(${controlDisk.files} files searched)`);

  const b = await open('a');
  let token = null;
  const bearers = new Set();
  b.page.on('response', async (r) => {
    if (new URL(r.url()).pathname.endsWith('/api/login') && r.status() === 200) token = (await r.json()).token;
  });
  b.page.on('request', (r) => {
    const auth = r.headers().authorization;
    if (auth && auth.startsWith('Bearer ')) bearers.add(auth.slice(7));
  });
  try {
    await signIn(b.page, server, 'asc-practitioner');
    await raise(b.page, 'Demo Housing Trust');
    // Pushed and pulled: the token, the cursors and the outbox's acknowledgement are stored.
    await waitStatus(b.page, SYNCED, { not: /records? only on this device|syncing…/, timeout: 30000 });
    assert.ok(token && token.length >= 16, `the sign-in answer carried a token (${token && token.length} characters)`);
    assert.deepEqual([...bearers], [token], 'the client sends the token it was given, and no other');
    const needles = { name: SUBJECT, surname: 'Quartermaine', summary: SUMMARY, token, password: DEMO_PASSWORD, passphrase: PASSPHRASE };
    const stored = await recordHits(b.page, needles);
    const manifest = stored.records.find((r) => r.key === 'files/parley.db#m');
    const chunks = stored.records.filter((r) => r.key.startsWith('files/parley.db#c'));
    assert.ok(manifest && chunks.length > 0, `the store is in IndexedDB: ${stored.keys.join(', ')}`);
    assert.ok(chunks.reduce((n, c) => n + c.bytes.length, 0) > 4096 * 4, 'its chunks hold an envelope and pages');
    assert.deepEqual(stored.hits, [], `raw IndexedDB records: ${stored.keys.join(', ')}`);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.context.close();
  }
  // The whole profile directory, after Chromium has closed its files.
  const disk = scanDir(b.dir, { name: SUBJECT, surname: 'Quartermaine', summary: SUMMARY, token, password: DEMO_PASSWORD, passphrase: PASSPHRASE });
  console.log(`a: searched ${disk.files} files (${(disk.bytes / 1e6).toFixed(1)} MB) of the profile`);
  assert.ok(disk.files > 10, 'the profile directory was found and read');
  assert.deepEqual(disk.hits, [], 'files of the browser profile');
});

// ---- b. Wrong and right passphrases ----------------------------------------------------

const WRONG = [
  ['its last character changed', PASSPHRASE.slice(0, -1) + (PASSPHRASE.endsWith('x') ? 'y' : 'x')],
  ['in capitals', PASSPHRASE.toUpperCase()],
  ['with a space after it', PASSPHRASE + ' '],
  ['another passphrase altogether', 'correct horse battery staple'],
];

test('b. a wrong passphrase opens nothing, the right one opens the records; near the limit it warns, and the last wrong one erases', async () => {
  const b = await open('b');
  const problems = [];
  try {
    await b.page.goto(server.url);
    await ready(b.page);
    await choosePassphrase(b.page);
    await startLocally(b.page);
    await raise(b.page);
    await b.page.reload();
    await ready(b.page);
    for (const [i, [why, wrong]] of WRONG.entries()) {
      await unlock(b.page, wrong, { next: null });
      await find(b.page, `That passphrase is not right. ${9 - i} tries left before the records on this device are erased.`,
        { role: 'alert', timeout: 20000 });
      const m = await settled(b.page);
      assert.equal(m.screen, 'unlock', `a passphrase ${why}: ${await describeMirror(b.page)}`);
      assert.ok(!m.items.some((it) => it.role === 'link'), `a passphrase ${why} listed records`);
      assert.deepEqual(await shownHits(b.page, { name: SUBJECT, summary: SUMMARY }), [], `a passphrase ${why}: shown`);
      problems.push(...await heapProblems(b.page, { name: SUBJECT, summary: SUMMARY }, `a passphrase ${why}: in memory`));
    }
    await unlock(b.page);
    await find(b.page, new RegExp(`^${SUBJECT} — `), { role: 'link' });

    // Three wrong ones erase, chosen in Settings; after one the lock screen says what is at stake.
    await press(b.page, 'Settings', { role: 'button' });
    await screen(b.page, 'settings');
    await choose(b.page, "Wrong passphrases before this device's records are erased", '3');
    await lockNow(b.page);
    await unlock(b.page, WRONG[0][1], { next: null });
    await find(b.page, 'That passphrase is not right. 2 tries left before the records on this device are erased.', { role: 'alert', timeout: 20000 });
    // The one challenge never reached an office (no server here).
    await find(b.page, '2 tries left. After that the records on this device are erased. 1 record not yet at the office would be lost.');
    await unlock(b.page, WRONG[1][1], { next: null });
    await find(b.page, /^1 try left\. After that the records on this device are erased\. 1 record not yet at the office would be lost\.$/,
      { timeout: 20000 });
    await unlock(b.page, WRONG[2][1], { next: null });
    await find(b.page, 'Welcome to Parley', { role: 'heading', timeout: 20000 });
    await b.page.waitForFunction(() => (globalThis.parleyErased || 0) > 0, null, { timeout: 10000 });
    const stored = await recordHits(b.page, { name: SUBJECT, summary: SUMMARY });
    assert.deepEqual(stored.keys, [], 'nothing is left in IndexedDB after the last wrong passphrase');
    assert.equal(await b.page.evaluate(() => localStorage.getItem('parley.saved-on-this-device')), null);
    problems.push(...await heapProblems(b.page, { name: SUBJECT, summary: SUMMARY }, 'in memory after erasing'));
    // And a reload is a new device (not the storage-problem screen: nothing was lost by accident).
    await b.page.reload();
    await ready(b.page);
    await find(b.page, 'Welcome to Parley', { role: 'heading' });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.context.close();
  }
  assert.deepEqual(problems, []);
});

// ---- c. A changed byte ------------------------------------------------------------------

// Changes one byte of what IndexedDB holds for the store (chunk `chunk`, byte `offset` of
// it) in place, as someone editing the profile would.
async function changeStoredByte(page, chunk, offset) {
  return page.evaluate(async ([chunk, offset]) => {
    const db = await new Promise((res, rej) => {
      const req = indexedDB.open('parley', 1);
      req.onsuccess = () => res(req.result);
      req.onerror = () => rej(req.error);
    });
    const key = 'parley.db#c' + String(chunk).padStart(6, '0');
    const value = await new Promise((res) => { db.transaction('files').objectStore('files').get(key).onsuccess = (e) => res(e.target.result); });
    const bytes = new Uint8Array(value);
    const was = bytes[offset];
    bytes[offset] ^= 0x5a;
    await new Promise((res, rej) => {
      const tx = db.transaction('files', 'readwrite');
      tx.objectStore('files').put(bytes.buffer, key);
      tx.oncomplete = res;
      tx.onerror = () => rej(tx.error);
    });
    db.close();
    return [was, bytes[offset]];
  }, [chunk, offset]);
}

test('c. one byte changed in a page of the stored store: the storage-problem screen says it is damaged, never the records or an empty list', async (t) => {
  const { bytes } = await buildDatabase({ challenges: 1, subject: SUBJECT });
  const pages = (bytes.length - 4096) / 4096;
  assert.ok(pages >= 10, `the seeded store has ${pages} pages`);
  // The file is a 4096-byte envelope, then 4096-byte pages (page p at 4096 p); chunk
  // records are 32 KiB. Byte 5000 of chunk 0 is in page 1 (SQLite's schema page); pages 2
  // and 3 are read as the store opens; byte 5000 of chunk 1 is in page 9, in the second
  // record; the last byte but four is in the last page's seal (its tag).
  const cases = [
    ['byte 5000 of chunk 0 (page 1)', 5000],
    ['page 2, byte 2000 of it', 4096 * 2 + 2000],
    ['page 3, byte 2000 of it', 4096 * 3 + 2000],
    ['byte 5000 of chunk 1 (page 9)', 32768 + 5000],
    [`the last page's tag (page ${pages}, byte ${bytes.length - 5} of the file)`, bytes.length - 5],
  ];
  const b = await open('c');
  const failures = [];
  try {
    for (const [name, at] of cases) {
      await t.test(name, async () => {
        b.errors.length = 0;
        await seedProfile(b.page, server.url, bytes, { open: false, format: 'chunks' });
        const [was, now] = await changeStoredByte(b.page, Math.floor(at / 32768), at % 32768);
        assert.notEqual(was, now);
        await b.page.goto(server.url);
        await ready(b.page);
        await unlock(b.page, PASSPHRASE, { next: null });
        // Whatever the app opens next, it must end on the storage-problem screen: if it shows
        // Home, open the list's first row too (a page read only then must be caught then).
        const deadline = Date.now() + 8000;
        let m = await settled(b.page);
        while (m.screen !== 'storage-problem' && Date.now() < deadline && !b.errors.length) {
          if (m.screen === 'home') {
            assert.ok(m.items.some((i) => i.role === 'link'), `Home with an empty list: ${await describeMirror(b.page)}`);
            const row = m.items.find((i) => i.role === 'link');
            await b.page.touchscreen.tap(row.x + row.w / 2, row.y + row.h / 2);
          }
          await b.page.waitForTimeout(300);
          m = await settled(b.page);
        }
        try {
          assert.deepEqual(b.errors, [], `the page failed (the app stopped): ${await describeMirror(b.page)}`);
          assert.equal(m.screen, 'storage-problem', `not detected: ${await describeMirror(b.page)}`);
          assert.ok(m.items.some((i) => i.role === 'alert' && DAMAGED.test(i.label)),
            `the storage-problem screen does not say the store is damaged: ${await describeMirror(b.page)}`);
          assert.ok(!m.items.some((i) => i.role === 'link'), 'no challenge list on the storage-problem screen');
        } catch (e) {
          failures.push(`${name}: ${e.message.split('\n')[0]}`);
          throw e;
        }
      });
    }
  } finally {
    await b.context.close();
    if (failures.length) console.log(`c: ${failures.length} of ${cases.length} changed bytes not handled:\n${failures.join('\n')}`);
  }
});

// ---- d. Auto-lock ----------------------------------------------------------------------

// The app's clock pinned at `t`, and input then: a finger on the screen's heading (text,
// so the tap does nothing but count as use).
async function inputAt(page, t) {
  await page.clock.setFixedTime(t);
  // A tap on words that are on screen (a tap off the canvas reaches nothing; the challenge
  // screen opens at its action form, so the heading may be below the fold).
  const size = page.viewportSize();
  const it = (await mirror(page)).items.find((i) => (i.role === 'text' || i.role === 'heading') && i.y >= 0 && i.x >= 0 &&
    i.y + i.h <= size.height - 120 && i.x + i.w <= size.width);
  assert.ok(it, 'some text on screen to tap');
  await page.touchscreen.tap(it.x + Math.min(it.w / 2, 40), it.y + it.h / 2);
  await page.waitForTimeout(500);
}

test('d. idle for 5:00 by the app\'s clock locks (4:59 does not); locked, memory and screen hold no record; the draft comes back; hidden 5 minutes locks too', async () => {
  const b = await open('d');
  const needles = { name: SUBJECT, summary: SUMMARY, draft: DRAFT };
  const problems = [];
  try {
    // Playwright's clock replaces performance.now too: installed after the app has started,
    // it would start that from 0, and the app's monotonic clock would go backwards (which
    // no browser does) and its 250 ms checks stall. So it is installed first; time runs as
    // usual until it is pinned below.
    await b.page.clock.install();
    await b.page.goto(server.url);
    await ready(b.page);
    await choosePassphrase(b.page);
    await startLocally(b.page);
    await raise(b.page);
    await moreActions(b.page);
    await tap(b.page, 'Comment', { role: 'button' });
    await enter(b.page, 'Comment', DRAFT);
    // Control: while it is open and shown, the heap search finds the record.
    const open = await heapHits(b.page, needles);
    assert.ok(open.name > 0 && open.draft > 0, `control: the open record is in the wasm heap (${JSON.stringify(open)})`);

    // The app's clock is JavaScript's Date (clock_gettime(CLOCK_REALTIME) in Emscripten):
    // pinned at t0, with timers and frames running as usual. One input at t0.
    const t0 = Date.now();
    await inputAt(b.page, t0);
    await b.page.clock.setFixedTime(t0 + 4 * 60000 + 59000);
    await b.page.waitForTimeout(1500);   // the frame loop asks every 250 ms
    assert.equal((await mirror(b.page)).screen, 'challenge', 'locked before 5 minutes without input');
    await b.page.clock.setFixedTime(t0 + 5 * 60000);
    await screen(b.page, 'unlock', 5000);
    await find(b.page, 'Locked after 5 minutes without use. Your typing was kept.');
    await find(b.page, 'Unlock Parley', { role: 'heading' });
    await find(b.page, /^Locked  ·  Online  ·  Storage: /);
    await b.page.waitForTimeout(500);
    problems.push(...await heapProblems(b.page, needles, 'the wasm heap after locking'));
    assert.deepEqual(await shownHits(b.page, needles), [], 'the mirror and the DOM after locking');
    const stored = await recordHits(b.page, needles);
    assert.deepEqual(stored.hits, [], 'IndexedDB after locking (the draft is kept encrypted)');

    await unlock(b.page, PASSPHRASE, { next: 'challenge' });
    await find(b.page, new RegExp(`^${SUBJECT} — `), { role: 'heading' });
    const comment = await find(b.page, 'Comment', { role: 'textbox' });
    assert.equal(comment.value, DRAFT, 'the draft came back after unlocking');

    // Hidden: from t1 the tab is hidden and draws nothing; pre.js asks C++ every 15 s. (The
    // clock is still pinned at t0 + 5:00, when the unlock was typed: t1 is a second later,
    // not a jump past the idle limit.)
    const t1 = t0 + 5 * 60000 + 1000;
    await inputAt(b.page, t1);
    await hide(b.page);
    // Locking keeps the draft in the store, so a save is how a hidden page shows it has
    // locked (nothing is drawn while hidden, so the mirror cannot say).
    const generationHidden = await generation(b.page);
    await b.page.clock.setFixedTime(t1 + 4 * 60000 + 59000);
    await b.page.waitForTimeout(16000);   // at least one of pre.js's 15 s questions
    assert.equal(await generation(b.page), generationHidden, 'locked before 5 minutes hidden');
    await b.page.clock.setFixedTime(t1 + 5 * 60000);
    await b.page.waitForFunction((g) => globalThis.parleyDurableGeneration > g, generationHidden, { timeout: 20000, polling: 200 })
      .catch(() => assert.fail('not locked 20 s after 5 minutes hidden'));
    problems.push(...await heapProblems(b.page, needles, 'the wasm heap after locking while hidden'));
    await show(b.page);
    await screen(b.page, 'unlock', 5000);
    await find(b.page, 'Locked after 5 minutes without use. Your typing was kept.');
    assert.deepEqual(await shownHits(b.page, needles), [], 'the mirror and the DOM after locking while hidden');
    await unlock(b.page, PASSPHRASE, { next: 'challenge' });
    assert.equal((await find(b.page, 'Comment', { role: 'textbox' })).value, DRAFT, 'the draft came back after the hidden lock');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.context.close();
  }
  assert.deepEqual(problems, []);
});

// ---- e. Revoke and wipe ----------------------------------------------------------------

test('e. revoked with --wipe, the device erases itself at its next contact: Welcome door, no records, no caches, nothing on disk', async () => {
  const b = await open('e');
  const problems = [];
  try {
    await signIn(b.page, server, 'police-practitioner');
    await raise(b.page, 'Demo Community Health');
    await waitStatus(b.page, SYNCED, { not: /records? only on this device|syncing…/, timeout: 30000 });
    // The device id, as Settings shows it; the office lists the same device.
    await press(b.page, 'Settings', { role: 'button' });
    await screen(b.page, 'settings');
    const device = /^Device: (\S+)\. /.exec((await find(b.page, /^Device: /)).label)[1];
    const listed = await admin(server, ['list-devices']);
    assert.ok(listed.split('\n').some((l) => l.startsWith(`${device}\t`)), `list-devices shows ${device}:\n${listed}`);
    assert.ok((await b.page.evaluate(async () => (await caches.keys()).length)) > 0, 'control: the app is in Cache Storage');
    await admin(server, ['revoke-device', device, '--wipe']);

    await tap(b.page, 'Sync now', { role: 'button' });
    await find(b.page, 'Welcome to Parley', { role: 'heading', timeout: 30000 });
    await find(b.page, ERASED_BY_OFFICE);
    assert.equal((await mirror(b.page)).screen, 'unlock');
    await b.page.waitForFunction(() => (globalThis.parleyErased || 0) > 0, null, { timeout: 10000 });
    const stored = await recordHits(b.page, { name: SUBJECT });
    assert.deepEqual(stored.keys, [], 'the parley IndexedDB database holds no record');
    assert.deepEqual(await b.page.evaluate(async () => caches.keys()), [], 'Cache Storage is empty');
    const flag = await b.page.evaluate(() => localStorage.getItem('parley.saved-on-this-device'));
    if (flag !== null) problems.push(`localStorage 'parley.saved-on-this-device' is ${JSON.stringify(flag)} after the wipe`);
    problems.push(...await heapProblems(b.page, { name: SUBJECT, summary: SUMMARY }, 'the wasm heap after the wipe'));
    assert.deepEqual(b.errors, []);
    // Reopened, it is a new device: the Welcome door, not "records missing".
    await b.page.reload();
    await ready(b.page);
    await b.page.waitForTimeout(500);
    const m = await settled(b.page);
    assert.ok(m.screen === 'unlock' && m.items.some((i) => i.role === 'heading' && i.label === 'Welcome to Parley'),
      `reopened after the wipe on ${await describeMirror(b.page)}`);
  } finally {
    await b.context.close();
  }
  const disk = scanDir(b.dir, { name: SUBJECT, surname: 'Quartermaine', summary: SUMMARY });
  assert.deepEqual(disk.hits, [], `files of the profile after the wipe (${disk.files} searched)`);
  assert.deepEqual(problems, []);
});

// ---- f. Migration ----------------------------------------------------------------------

// On the Upgrade door: the old PIN (if asked) and a new passphrase twice, then the button.
async function fillUpgrade(page, { pin = OLD_PIN, passphrase = PASSPHRASE, again = passphrase } = {}) {
  await find(page, 'Protect the records on this device', { role: 'heading', timeout: 30000 });
  await enter(page, 'Your current PIN', pin);
  await enter(page, 'Passphrase', passphrase);
  await enter(page, 'Passphrase again', again);
}

const REFUSED = [
  ['a wrong PIN', { pin: '1357' }, /^That is not this device's PIN\./],
  ['a PIN one digit short', { pin: '246' }, /^That is not this device's PIN\./],
  ['a passphrase under 12 characters', { passphrase: 'short words' }, /at least 12 characters/],
  ['only digits', { passphrase: '1234 5678 9012 3456' }, /too easy to guess/],
  ['two different passphrases', { again: PASSPHRASE + '!' }, /not the same/],
];

test('f. a plain store from the release before: refused without its PIN and a good passphrase, then encrypted with the records', async () => {
  const plain = await buildPlainDatabase({ subject: SUBJECT, summary: SUMMARY, pin: OLD_PIN });
  const b = await open('f');
  try {
    await seedProfile(b.page, server.url, plain.bytes, { format: 'chunks' });
    await screen(b.page, 'unlock');
    for (const [why, fields, message] of REFUSED) {
      await fillUpgrade(b.page, fields);
      await tap(b.page, 'Encrypt and continue', { role: 'button' });
      // The attempt is over when the secrets have been cleared from the fields (or the door left).
      await b.page.waitForFunction(() => {
        const m = globalThis.parleyMirror;
        return m.screen !== 'unlock' || m.items.some((i) => i.role === 'textbox' && i.label === 'Passphrase' && i.value === '');
      }, null, { timeout: 30000 });
      assert.equal((await mirror(b.page)).screen, 'unlock', `${why} was accepted`);
      await find(b.page, message, { timeout: 20000 });
      await find(b.page, 'Protect the records on this device', { role: 'heading' });
    }
    assert.ok((await recordHits(b.page, { name: SUBJECT })).hits.length > 0, 'the refused attempts left the old store as it was');
    await fillUpgrade(b.page);
    const gen = await generation(b.page);
    await tap(b.page, 'Encrypt and continue', { role: 'button' });
    await screen(b.page, 'home', 30000);
    await savedAfter(b.page, gen);
    await find(b.page, new RegExp(`^${SUBJECT} — `), { role: 'link' });
    await find(b.page, 'The records on this device are now encrypted. Unlock Parley with your passphrase from now on.');
    const stored = await recordHits(b.page, { name: SUBJECT, surname: 'Quartermaine', summary: SUMMARY });
    assert.ok(stored.records.some((r) => r.key === 'files/parley.db#m'), `stored: ${stored.keys.join(', ')}`);
    assert.deepEqual(stored.hits, [], 'raw IndexedDB records after the upgrade');
    await b.page.reload();
    await ready(b.page);
    await unlock(b.page);
    await find(b.page, new RegExp(`^${SUBJECT} — `), { role: 'link' });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.context.close();
  }
  // Not asserted (the upgrade cannot reach into the browser's own files): whether Chromium's
  // files still hold the plain store the old release wrote.
  const disk = scanDir(b.dir, { name: SUBJECT });
  console.log(`f: after the upgrade, the name is ${disk.hits.length ? 'still' : 'no longer'} in the profile's files` +
    (disk.hits.length ? ` (${disk.hits.join('; ')})` : ''));
});

// One migration on profile `dir`, the browser killed at `when` after "Encrypt and
// continue": a number of ms after the tap, 'home' (as soon as the app shows Home: the
// store is encrypted in memory and its IndexedDB write has just been asked for) or 'saved'
// (as soon as that write is durable). Returns 'old' or 'new', whichever store the browser
// then opens with, after checking its records are intact.
async function killedMigration(dir, plainBytes, when) {
  let b = await open('f-kill', TABLET, dir);
  await seedProfile(b.page, server.url, plainBytes, { format: 'chunks' });
  await fillUpgrade(b.page);
  const gen = await generation(b.page);
  const it = await find(b.page, 'Encrypt and continue', { role: 'button' });
  await b.page.touchscreen.tap(it.x + it.w / 2, it.y + it.h / 2);
  if (when === 'home')
    await b.page.waitForFunction(() => globalThis.parleyMirror.screen === 'home', null, { polling: 5, timeout: 30000 });
  else if (when === 'saved') await savedAfter(b.page, gen, 30000);
  else await new Promise((r) => setTimeout(r, when));
  await crash(b.context, b.pid);
  b = await open('f-kill', TABLET, dir);
  try {
    await b.page.goto(server.url);
    await ready(b.page);
    await b.page.waitForFunction(() => globalThis.parleyMirror && globalThis.parleyMirror.items.some((i) => i.role === 'heading'));
    const m = await settled(b.page);
    const door = m.items.find((i) => i.role === 'heading').label;
    let kind;
    if (m.screen === 'unlock' && door === 'Protect the records on this device') {
      kind = 'old';
      await fillUpgrade(b.page);
      await tap(b.page, 'Encrypt and continue', { role: 'button' });
      await screen(b.page, 'home', 30000);
    } else if (m.screen === 'unlock' && door === 'Unlock Parley') {
      kind = 'new';
      await unlock(b.page);
    } else {
      throw new Error(`killed at ${when} after "Encrypt and continue", it reopened on ${await describeMirror(b.page)}`);
    }
    await find(b.page, new RegExp(`^${SUBJECT} — `), { role: 'link' });
    assert.deepEqual(b.errors, []);
    return kind;
  } finally {
    await b.context.close();
  }
}

test('f. the browser killed at a spread of moments during the upgrade: the old store or the new one, never neither', async () => {
  const plain = await buildPlainDatabase({ subject: SUBJECT, summary: SUMMARY, pin: OLD_PIN });
  // Moments by the clock (at once, and during the key derivation, which takes most of a
  // second) and by what the app shows (Home: the IndexedDB write under way; Saved: done),
  // so that the kills fall where they matter on a fast or a loaded machine alike.
  const moments = [0, 'home', 300, 'saved', 700, 'home', 1200];
  // Two chains side by side (each its own profile, reused from trial to trial).
  const chains = [moments.filter((_, i) => i % 2 === 0), moments.filter((_, i) => i % 2 === 1)];
  const outcomes = [];
  const results = await Promise.allSettled(chains.map(async (ms, c) => {
    const dir = profileDir(`f-kill-${c}`);
    for (const when of ms) outcomes.push([when, await killedMigration(dir, plain.bytes, when)]);
  }));
  console.log(`f: killed ${outcomes.map(([w, k]) => `${typeof w === 'number' ? `${w} ms after the tap` : `at ${w}`}: the ${k} store`).join(', ')}`);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  assert.equal(outcomes.length, moments.length);
  // Sanity of the trials themselves: a kill before anything could happen leaves the old
  // store; one after "Saved" the new (a record shown as saved is never lost).
  assert.ok(outcomes.filter(([w]) => w === 0).every(([, k]) => k === 'old'), 'killed at once, the old store');
  assert.ok(outcomes.filter(([w]) => w === 'saved').every(([, k]) => k === 'new'), 'killed after Saved, the new store');
});

// ---- g. Screenshots --------------------------------------------------------------------

function layoutProblems(m, label, view) {
  const out = [];
  for (const it of m.items) {
    const where = `${label} ${it.role} "${it.label.slice(0, 60)}" x=${it.x.toFixed(1)} w=${it.w.toFixed(1)} h=${it.h.toFixed(1)}`;
    if (it.role === 'button' && it.h < 44 - 0.01) out.push(`${where}: button lower than 44 CSS px`);
    if (it.x + it.w > view.width + 1) out.push(`${where}: extends past the right edge (${view.width} px)`);
  }
  return out;
}

for (const [size, view] of Object.entries({ phone: PHONE, tablet: TABLET })) {
  test(`g. the lock screen's doors at ${size} size (${view.width}x${view.height} @${view.dpr}x)`, async () => {
    const b = await open(`g-${size}`, view);
    const problems = [];
    const capture = async (name, heading) => {
      await find(b.page, heading, { role: 'heading' });
      const m = await settled(b.page);
      assert.equal(m.screen, 'unlock', `${name}: ${await describeMirror(b.page)}`);
      const pic = await snap(b.page, `enc-${size}-${name}`);
      if (pic.colours < 8 || pic.dominant > 0.985) problems.push(`${size} ${name}: the screenshot is blank`);
      problems.push(...layoutProblems(m, `${size} ${name}`, view));
    };
    try {
      await b.page.goto(server.url);
      await ready(b.page);
      await capture('welcome', 'Welcome to Parley');
      await choosePassphrase(b.page);
      await startLocally(b.page);
      await raise(b.page);
      await b.page.reload();
      await ready(b.page);
      await capture('unlock', 'Unlock Parley');
      await unlock(b.page);
      await lockNow(b.page);
      await find(b.page, 'Locked.');   // nothing was being typed, so nothing is said to be kept
      await capture('locked', 'Unlock Parley');
      // Near the limit: seven wrong of the default ten leave three, when the warning starts.
      for (let i = 0; i < 7; i++) {
        await unlock(b.page, WRONG[i % WRONG.length][1], { next: null });
        await find(b.page, `That passphrase is not right. ${9 - i} tries left before the records on this device are erased.`,
          { role: 'alert', timeout: 20000 });
      }
      await find(b.page, '3 tries left. After that the records on this device are erased. 1 record not yet at the office would be lost.');
      await capture('near-limit', 'Unlock Parley');
      const plain = await buildPlainDatabase({ subject: SUBJECT, summary: SUMMARY, pin: OLD_PIN });
      await seedProfile(b.page, server.url, plain.bytes, { format: 'chunks' });
      await capture('upgrade', 'Protect the records on this device');
      await find(b.page, 'Your current PIN', { role: 'textbox' });
      assert.deepEqual(b.errors, []);
    } finally {
      await b.context.close();
      if (problems.length) console.log(`layout problems:\n${problems.join('\n')}`);
    }
    assert.deepEqual(problems, [], `layout problems at ${size} size`);
  });
}
