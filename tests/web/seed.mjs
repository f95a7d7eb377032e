// tests/web/seed.mjs — helpers for the browser tests that need a profile which already
// holds records: build a Parley SQLite file with the real CLI (identity set, then
// `challenge open` and friends with --at dates; encrypted, as every store is, under the
// passphrase of PARLEY_PASSPHRASE_FILE, so the app opens it at its Unlock door with
// harness.PASSPHRASE), or a plain one as the release before encryption wrote it
// (tests/fixtures/make_store.cpp), and put it into the app origin's IndexedDB before the
// app starts: in the first storage format wasm/pre.js reads (db 'parley', store 'files',
// key 'parley.db', {bytes, generation, savedAt}; its first save rewrites it as chunks), or
// in the chunk format it writes now (a manifest 'parley.db#m' {size, chunk, generation,
// savedAt} and 32 KiB chunks 'parley.db#c000000', ...); with localStorage
// 'parley.saved-on-this-device'. Also: reading the mirror and the raw stored records, and
// killing a browser abruptly (SIGKILL of its process group) to test durability; enter,
// the faster text entry, now lives in harness.mjs (the lock screen helpers use it) and is
// re-exported here.
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SERVE_BIN, OUTPUT, ready, find, mirror, enter } from './harness.mjs';

// The CLI of the same build as the server: build/<preset>/tools/serve/parley-serve sits
// under build/<preset>/, next to build/<preset>/parley. PARLEY_CLI_BIN overrides.
export const CLI_BIN = process.env.PARLEY_CLI_BIN || join(resolve(dirname(SERVE_BIN), '..', '..'), 'parley');
// The store writer for tests (tests/fixtures/make_store.cpp), in the same build's tests/.
export const MAKE_STORE_BIN = process.env.PARLEY_MAKE_STORE_BIN || join(dirname(CLI_BIN), 'tests', 'parley-make-store');

export const IDENTITY = { name: 'Sam Example', jobTitle: 'Social Worker', agency: 'Northshire Council Adult Social Care', role: 'practitioner' };

const AGENCIES = ['Northshire Police', 'Northshire NHS Trust', 'Westvale Housing', 'Northshire Children\'s Services',
  'Eastbrook Ambulance Service', 'Northshire Probation', 'Riverside GP Practice'];
const CATEGORIES = ['response_to_referral', 'outcome_of_assessment', 'information_sharing', 'levels_of_need',
  'referral_not_accepted', 'care_planning', 'communication', 'section_42_enquiry_closure'];
const FIRST = ['Alex', 'Jordan', 'Casey', 'Morgan', 'Riley', 'Taylor', 'Jamie', 'Robin', 'Charlie', 'Drew'];
const LAST = ['Testperson', 'Sample', 'Example', 'Placeholder', 'Dummy', 'Fictional', 'Madeup', 'Nobody'];

function scratchDir() {
  // tmpfs when there is one: the CLI syncs every commit (PRAGMA synchronous = FULL).
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, 'parley-seed-'));
}

const run = promisify(execFile);

// One CLI command on `db`; resolves to its standard output. Asynchronous, so a test can
// build a large database while a browser starts.
export async function cli(db, args) {
  if (!existsSync(CLI_BIN)) throw new Error(`parley CLI missing: ${CLI_BIN} (build it, or set PARLEY_CLI_BIN)`);
  for (let attempt = 1; ; attempt++) {
    try {
      return (await run(CLI_BIN, ['--db', db, ...args], { encoding: 'utf8' })).stdout;
    } catch (e) {
      // Another writer held the lock past the store's 2 s wait (a loaded machine): a
      // failed command writes nothing, so it is safe to run again.
      if (attempt < 4 && /locked|busy/i.test(e.stderr || '')) continue;
      throw new Error(`parley ${args.slice(0, 2).join(' ')} failed: ${e.stderr || e.message}`);
    }
  }
}

// UTC time for --at, `hoursAgo` before now.
function atHoursAgo(hoursAgo) {
  return new Date(Date.now() - hoursAgo * 3600 * 1000).toISOString().slice(0, 19) + 'Z';
}

// The subject name of seeded challenge i (distinct, so a test can tell rows apart).
export function subjectName(i) {
  return `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${String(i + 1).padStart(3, '0')}`;
}

// Builds a database; resolves to its bytes and the challenge ids (oldest first).
//   challenges: how many to open (procedure shropshire-sscp), spread over the past
//     `spreadHours` hours so some are overdue and some are not;
//   rich: challenge `richIndex` (default the last) is expedited (at risk: first on Home),
//     opened five days ago, with a discussion, an agreed action and an escalation;
//   settings: ui_settings meta ({font_scale, high_contrast, board_procedure}), written by
//     tests/fixtures/make_store.cpp (the CLI has no command for it).
// The store is encrypted under PARLEY_PASSPHRASE_FILE's passphrase (harness.PASSPHRASE).
export async function buildDatabase({ challenges = 1, spreadHours = 24 * 40, rich = false, richIndex = challenges - 1, settings, subject } = {}) {
  const dir = scratchDir();
  const db = join(dir, 'parley.db');
  try {
    await cli(db, ['identity', 'set', '--name', IDENTITY.name, '--agency', IDENTITY.agency, '--job-title', IDENTITY.jobTitle,
      '--role', IDENTITY.role]);
    // Four CLI processes at a time: each command is one short IMMEDIATE transaction (the
    // store waits up to 2 s for the lock), so only the order of device_seq differs from
    // running them one by one.
    const ids = new Array(challenges);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < challenges; i = next++) {
        const isRich = rich && i === richIndex;
        const hoursAgo = isRich ? 120 : challenges === 1 ? 2 : Math.round(spreadHours * (1 - i / (challenges - 1))) + 1;
        const out = await cli(db, ['challenge', 'open', '--procedure', 'shropshire-sscp', '--imminent-risk', 'no',
          '--subject-name', subject && i === 0 ? subject : subjectName(i), '--subject-kind', i % 3 === 0 ? 'child' : 'adult',
          '--challenger-name', IDENTITY.name, '--challenger-job-title', IDENTITY.jobTitle, '--challenger-agency', IDENTITY.agency,
          '--challenged-agency', AGENCIES[i % AGENCIES.length], '--challenged-name', 'Jo Sample',
          '--category', CATEGORIES[i % CATEGORIES.length], '--risk', isRich ? 'at-risk' : 'standard',
          '--summary', `Synthetic test challenge ${i + 1}: the referral was closed without contact`,
          '--at', atHoursAgo(hoursAgo)]);
        const m = /Opened (\S+)/.exec(out);
        if (!m) throw new Error(`challenge open printed: ${out}`);
        ids[i] = m[1];
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, challenges) }, worker));
    if (rich && ids.length) {
      const id = ids[richIndex];
      await cli(db, ['challenge', 'record-discussion', id, '--with', 'Jo Sample|Police Constable|Northshire Police',
        '--method', 'phone', '--summary', 'Talked through the closure; no agreement yet', '--agreed', 'no', '--at', atHoursAgo(96)]);
      await cli(db, ['challenge', 'agree-action', id, '--description', 'Share the referral notes with the police',
        '--owner', 'Sam Example', '--at', atHoursAgo(72)]);
      await cli(db, ['challenge', 'escalate', id, '--reason', 'No agreement at stage 1', '--tried', 'A phone discussion',
        '--at', atHoursAgo(48)]);
    }
    if (settings)
      await makeStore(['set-meta', db, 'ui_settings',
        JSON.stringify({ font_scale: 1, high_contrast: false, board_procedure: 'shropshire-sscp', ...settings })]);
    for (const extra of ['-journal', '-wal'])
      if (existsSync(db + extra)) throw new Error(`the seeded database left ${db + extra} behind`);
    return { bytes: readFileSync(db), ids };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// tests/fixtures/make_store.cpp with `args`; resolves to its standard output.
export async function makeStore(args) {
  if (!existsSync(MAKE_STORE_BIN))
    throw new Error(`parley-make-store missing: ${MAKE_STORE_BIN} (build it: cmake --build --preset native-debug --target parley-make-store; or set PARLEY_MAKE_STORE_BIN)`);
  try {
    return (await run(MAKE_STORE_BIN, args, { encoding: 'utf8' })).stdout;
  } catch (e) {
    throw new Error(`parley-make-store ${args[0]} failed: ${e.stderr || e.message}`);
  }
}

// A store as the release before encryption at rest wrote it (plain SQLite pages), with the
// identity set and one challenge about `subject`; `pin` as that release kept it (salted
// SHA-256). Resolves to { bytes, id }.
export async function buildPlainDatabase({ subject, summary, pin }) {
  const dir = scratchDir();
  const db = join(dir, 'parley.db');
  try {
    const out = await makeStore(['plain', db, '--subject', subject, '--summary', summary, ...(pin ? ['--pin', pin] : [])]);
    return { bytes: readFileSync(db), id: out.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Writes the database into the origin's IndexedDB as wasm/pre.js would have (whatever was
// stored there before is removed first), sets the "saved on this device" flag, then opens
// the app. format: 'single' (the first format, one record) or 'chunks' (what pre.js writes
// now). The page must not be running the app (it is navigated to the same-origin health
// endpoint first).
export async function seedProfile(page, url, bytes, { open = true, format = 'single' } = {}) {
  await page.goto(url + 'api/health');
  await page.evaluate(async ([b64, format]) => {
    const bin = atob(b64);
    const buf = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    const db = await new Promise((res, rej) => {
      const req = indexedDB.open('parley', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('files');
      req.onsuccess = () => res(req.result);
      req.onerror = () => rej(req.error);
    });
    await new Promise((res, rej) => {
      const tx = db.transaction('files', 'readwrite');
      const files = tx.objectStore('files');
      files.clear();
      if (format === 'chunks') {
        const CHUNK = 32768;
        for (let i = 0; i * CHUNK < buf.length; i++)
          files.put(buf.slice(i * CHUNK, Math.min((i + 1) * CHUNK, buf.length)).buffer, 'parley.db#c' + String(i).padStart(6, '0'));
        files.put({ size: buf.length, chunk: CHUNK, generation: 1, savedAt: Date.now() }, 'parley.db#m');
      } else {
        files.put({ bytes: buf.buffer, generation: 1, savedAt: Date.now() }, 'parley.db');
      }
      tx.oncomplete = res;
      tx.onerror = () => rej(tx.error);
    });
    db.close();
    localStorage.setItem('parley.saved-on-this-device', '1');
  }, [Buffer.from(bytes).toString('base64'), format]);
  if (open) {
    await page.goto(url);
    await ready(page);
  }
}

// Every record of the origin's 'parley' IndexedDB database as it is stored, read from
// `page` (any page of the app's origin): [{ key, bytes }], bytes a Buffer holding each
// value's binary parts (ArrayBuffers, typed arrays) and its text and numbers, so a search
// of them sees whatever the browser keeps. [] when the database does not exist (it is not
// created by looking).
export async function storedRecords(page) {
  const records = await page.evaluate(async () => {
    const names = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : ['parley'];
    if (!names.includes('parley')) return [];
    const db = await new Promise((res, rej) => {
      const req = indexedDB.open('parley');
      req.onsuccess = () => res(req.result);
      req.onerror = () => rej(req.error);
    });
    const out = [];
    const bytesOf = (v) => {
      if (v instanceof ArrayBuffer) return [new Uint8Array(v)];
      if (ArrayBuffer.isView(v)) return [new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
      if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [new TextEncoder().encode(k + '='), ...bytesOf(x)]);
      return [new TextEncoder().encode(String(v))];
    };
    for (const storeName of db.objectStoreNames) {
      const [keys, values] = await new Promise((res, rej) => {
        const tx = db.transaction(storeName, 'readonly');
        const st = tx.objectStore(storeName);
        const r = {};
        st.getAllKeys().onsuccess = (e) => { r.keys = e.target.result; };
        st.getAll().onsuccess = (e) => { r.values = e.target.result; };
        tx.oncomplete = () => res([r.keys, r.values]);
        tx.onerror = () => rej(tx.error);
      });
      keys.forEach((k, i) => {
        const parts = bytesOf(values[i]);
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) { all.set(p, at); at += p.length; }
        let bin = '';
        for (let j = 0; j < all.length; j += 0x8000) bin += String.fromCharCode.apply(null, all.subarray(j, j + 0x8000));
        out.push({ key: `${storeName}/${k}`, b64: btoa(bin) });
      });
    }
    db.close();
    return out;
  });
  return records.map((r) => ({ key: r.key, bytes: Buffer.from(r.b64, 'base64') }));
}

// Empties the origin's Parley storage (IndexedDB database and localStorage), so a reused
// profile (whose service worker and caches stay warm) opens as a first run.
export async function resetOrigin(page, url) {
  await page.goto(url + 'api/health');
  await page.evaluate(() => new Promise((res, rej) => {
    localStorage.clear();
    const req = indexedDB.deleteDatabase('parley');
    req.onsuccess = () => res();
    req.onerror = () => rej(req.error);
    req.onblocked = () => rej(new Error('the parley IndexedDB database is still open'));
  }));
}

// Removes the stored database but leaves the "saved on this device" flag: what a browser
// that evicted the origin's IndexedDB (and not its localStorage) leaves behind.
export async function deleteStoredDatabase(page, url) {
  await page.goto(url + 'api/health');
  return page.evaluate(async () => {
    const db = await new Promise((res, rej) => {
      const req = indexedDB.open('parley', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('files');
      req.onsuccess = () => res(req.result);
      req.onerror = () => rej(req.error);
    });
    await new Promise((res, rej) => {
      const tx = db.transaction('files', 'readwrite');
      // Every record of the database (manifest, chunks, or the first format's one record).
      tx.objectStore('files').delete(IDBKeyRange.bound('parley.db', 'parley.db\uffff'));
      tx.oncomplete = res;
      tx.onerror = () => rej(tx.error);
    });
    const left = await new Promise((res) => {
      const tx = db.transaction('files', 'readonly');
      const req = tx.objectStore('files').count();
      req.onsuccess = () => res(req.result);
    });
    db.close();
    return { left, flag: localStorage.getItem('parley.saved-on-this-device') };
  });
}

// Text entry as an on-screen keyboard delivers it: harness.enter (here too, where the
// tests have long imported it from).
export { enter };

// Taps an item where it is, without scrolling: for the fixed top bar ('< Home',
// 'Settings'), which harness.tap cannot reach (its reveal() wants items below y=90).
export async function press(page, label, opts = {}) {
  const it = await find(page, label, opts);
  await page.touchscreen.tap(it.x + it.w / 2, it.y + it.h / 2);
  await page.waitForTimeout(150);
}

// The label/value pairs of the mirror, for error messages.
export async function describeMirror(page) {
  const m = await mirror(page);
  return m ? `${m.screen}: ${m.items.map((i) => `${i.role}:${i.label}`).join(' | ')}` : '(no mirror)';
}

// Screenshot to $PARLEY_TEST_OUTPUT/<name>.png, and what is in it: decoded in the page
// (createImageBitmap), sampling every 3rd pixel of every 3rd row. `dominant` is the share
// of the commonest colour and `colours` how many distinct colours were seen: a blank or
// black canvas is one colour.
export async function snap(page, name) {
  mkdirSync(OUTPUT, { recursive: true });
  const png = await page.screenshot({ path: join(OUTPUT, name + '.png') });
  return page.evaluate(async (b64) => {
    const bin = atob(b64);
    const buf = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    const bmp = await createImageBitmap(new Blob([buf], { type: 'image/png' }));
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const g = c.getContext('2d');
    g.drawImage(bmp, 0, 0);
    const d = g.getImageData(0, 0, bmp.width, bmp.height).data;
    const counts = new Map();
    let n = 0;
    for (let y = 0; y < bmp.height; y += 3)
      for (let x = 0; x < bmp.width; x += 3) {
        const i = (y * bmp.width + x) * 4;
        const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        counts.set(k, (counts.get(k) || 0) + 1);
        n++;
      }
    let top = 0, topKey = 0;
    for (const [k, v] of counts) if (v > top) { top = v; topKey = k; }
    return { width: bmp.width, height: bmp.height, colours: counts.size, dominant: top / n,
             dominantColour: '#' + topKey.toString(16).padStart(6, '0') };
  }, png.toString('base64'));
}

// Chromium's process id for a persistent profile: Playwright starts it, detached, as a
// child of this process with --user-data-dir=<dir>.
export function browserPid(profileDir) {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && m[2].includes(`--user-data-dir=${profileDir}`)) return Number(m[1]);
  }
  throw new Error(`no browser process found for ${profileDir}`);
}

// Ends the browser as a crash or a dead battery would: SIGKILL to its whole process
// group (Playwright starts Chromium as a group leader), no shutdown, no flushing.
export async function crash(context, pid) {
  try { process.kill(-pid, 'SIGKILL'); } catch (e) { if (e.code !== 'ESRCH') throw e; }
  for (let i = 0; i < 100; i++) {
    try { process.kill(pid, 0); } catch { break; }
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
}


// "YYYY-MM-DDT10:00:00Z" on `day` of the month `monthsAgo` before this one (UTC midday
// is the same day in UK time, so each challenge falls in the month intended).
export function dayInMonth(monthsAgo, day) {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsAgo, day, 10)).toISOString().slice(0, 19) + 'Z';
}

// Challenges a demo police safeguarding lead raises through the CLI, on a device of its
// own, and syncs, so the Board's dashboard has figures (tests/web/board.test.mjs,
// bench/screen_gallery.mjs). rows: [monthsAgo, category, challenged agency] each, opened on
// day 3 + i of that month; the first `resolved` get an agreed outcome. Subjects are
// "<label> Testperson <i>": synthetic.
export async function seedPoliceChallenges(server, password, { deviceName, label, rows, resolved = 0 }) {
  if (!existsSync(CLI_BIN)) throw new Error(`parley CLI missing: ${CLI_BIN}`);
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'parley-police-seed-'));
  const db = join(dir, 'police.db');
  try {
    execFileSync(CLI_BIN, ['--db', db, 'login', '--server', server.origin, '--user', 'police-lead', '--password-stdin',
      '--device-name', deviceName], { input: password + '\n', encoding: 'utf8' });
    const ids = [];
    for (const [i, [monthsAgo, category, challenged]] of rows.entries()) {
      const out = await cli(db, ['challenge', 'open', '--procedure', 'shropshire-sscp', '--imminent-risk', 'no',
        '--subject-name', `${label} Testperson ${i}`, '--subject-kind', 'adult',
        '--challenger-name', 'Demo Safeguarding Lead (police)', '--challenger-job-title', 'Safeguarding Lead',
        '--challenger-agency', 'Demo Police', '--challenged-agency', challenged, '--challenged-name', 'Jo Sample',
        '--category', category, '--summary', `Synthetic ${label} challenge ${i}`, '--at', dayInMonth(monthsAgo, 3 + i)]);
      ids.push(/Opened (\S+)/.exec(out)[1]);
    }
    for (const [k, id] of ids.slice(0, resolved).entries())
      await cli(db, ['challenge', 'record-outcome', id, '--outcome', 'Care plan reviewed together', '--at', dayInMonth(rows[k][0], 12 + k)]);
    await cli(db, ['sync']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
