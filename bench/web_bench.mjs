// bench/web_bench.mjs — measures the Parley web client in Debian's headless Chromium
// (SwiftShader WebGL, i.e. software rendering) against parley-serve on loopback. Run on
// demand, never as a test: the figures go to docs/performance.md by hand, with the machine
// and the date. See bench/README.md for the build commands and the variables below.
//
//   node bench/web_bench.mjs
//
// Measures, in one run:
//   1. download size: gzip -9 (and brotli) of parley.wasm + parley.js + index.html + sw.js,
//      what a cold load transfers through a compressing server; and the bytes actually
//      transferred by a first visit to parley-serve (which compresses text but not
//      application/wasm), page and service-worker precache requests counted separately;
//      plus what the wasm is made of (its sections, and whether the UI font is in it).
//   2. cold start with a warm service worker: 500 challenges seeded, load once, wait until
//      the worker controls the page, then reload N times; navigation start -> the app
//      ready (globalThis.parleyIsReady) and -> its first frame (first DOM-mirror
//      publication, which happens at the end of the first drawn frame); and one more
//      reload under the CPU profiler, bracketed by console.profile in the init script.
//   3. CPU time per frame with 10,000 challenges on Home: Module._parley_bench_frames(n)
//      at the top of the list, then again after scrolling to the middle by finger (CDP
//      touch drags, as tests/web/harness.mjs drag() does): wall time (what the hook
//      returns), the renderer main thread's CPU time and the GPU process's (SwiftShader)
//      CPU time, plus a CPU profile split (see frameCost).
//   4. save -> durable with 500 challenges: Module._parley_bench_save() records a comment
//      and returns a generation; the time until the IndexedDB write of that generation
//      completed (pre.js sets globalThis.parleyDurableGeneration in tx.oncomplete; an init
//      script here timestamps that assignment). Also a few saves at 10,000, for scale.
//   5. unlocking (issue 11): choosing a passphrase on a new device, then unlocking after a
//      reload UNLOCKS times: the tap on Unlock -> Home (Argon2id, opening the store).
//   Natively (parley-bench-db --measure, on the 10,000-challenge database): listing all
//   projection rows, the status bar's per-frame queries and fold + derive of one challenge.
//
// Variables (paths relative to the repository root):
//   PARLEY_SERVE_BIN     default build/dev/tools/serve/parley-serve, else build/native-debug/...
//   PARLEY_WEB_ROOT      default build/web-dev/public, else build/web/public
//   PARLEY_BENCH_DB_BIN  default build/dev/bench/parley-bench-db, else build/native-debug/...
//   PARLEY_BENCH_RELOADS (10)  PARLEY_BENCH_SAVES (50)  PARLEY_BENCH_FRAMES (200)
//   PARLEY_BENCH_BIG (10000)   PARLEY_BENCH_SMALL (500)  PARLEY_BENCH_BIG_SAVES (5)
//   PARLEY_BENCH_UNLOCKS (10)
//   PARLEY_BENCH_ONLY    which sections to run, e.g. "1,4" (default 1,2,3,4; 5 on request)
//   PARLEY_BENCH_JSON    where the raw figures go (default build/test-output/web-bench.json)
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { launch, tap, type, find } from '../tests/web/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function pick(envName, candidates, what) {
  const given = process.env[envName];
  if (given) {
    const p = path.resolve(ROOT, given);
    if (!fs.existsSync(p)) throw new Error(`${envName}=${given}: ${p} does not exist`);
    return p;
  }
  for (const c of candidates) {
    const p = path.join(ROOT, c);
    if (fs.existsSync(what ? path.join(p, what) : p)) return p;
  }
  throw new Error(`none of ${candidates.join(', ')} exists${what ? ` (with ${what})` : ''}: build first (bench/README.md) or set ${envName}`);
}
const num = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not "${v}"`);
  return n;
};

const SERVE_BIN = pick('PARLEY_SERVE_BIN', ['build/dev/tools/serve/parley-serve', 'build/native-debug/tools/serve/parley-serve']);
const WEB_ROOT = pick('PARLEY_WEB_ROOT', ['build/web-dev/public', 'build/web/public'], 'parley.wasm');
const DB_BIN = pick('PARLEY_BENCH_DB_BIN', ['build/dev/bench/parley-bench-db', 'build/native-debug/bench/parley-bench-db']);
const RELOADS = num('PARLEY_BENCH_RELOADS', 10);
const SAVES = num('PARLEY_BENCH_SAVES', 50);
const FRAMES = num('PARLEY_BENCH_FRAMES', 200);
const BIG = num('PARLEY_BENCH_BIG', 10000);
const SMALL = num('PARLEY_BENCH_SMALL', 500);
const BIG_SAVES = num('PARLEY_BENCH_BIG_SAVES', 5);
const UNLOCKS = num('PARLEY_BENCH_UNLOCKS', 10);
const ONLY = (process.env.PARLEY_BENCH_ONLY || '1,2,3,4').split(',').map((x) => x.trim());
const want = (n) => ONLY.includes(String(n));
const JSON_OUT = path.resolve(ROOT, process.env.PARLEY_BENCH_JSON || 'build/test-output/web-bench.json');

const results = { date: new Date().toISOString(), paths: { SERVE_BIN, WEB_ROOT, DB_BIN } };
const say = (s = '') => console.log(s);
const ms = (x) => `${x.toFixed(1)} ms`;
const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  // Nearest-rank percentiles.
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return { n: s.length, min: s[0], p50: q(50), p95: q(95), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const statLine = (st) => `p50 ${ms(st.p50)}, p95 ${ms(st.p95)}, min ${ms(st.min)}, max ${ms(st.max)} (n=${st.n})`;

// ---- the machine -------------------------------------------------------------------------
function machine() {
  let chromium = '';
  try { chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch {}
  return { cpus: os.cpus().length, cpu: os.cpus()[0] && os.cpus()[0].model, memGB: +(os.totalmem() / 2 ** 30).toFixed(1),
           kernel: os.release(), node: process.version, chromium, loadavgStart: os.loadavg().map((x) => +x.toFixed(2)) };
}

// ---- server -------------------------------------------------------------------------------
function startServer() {
  const child = spawn(SERVE_BIN, ['--root', WEB_ROOT, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`parley-serve did not start:\n${log}`)); }, 15000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`parley-serve exited (${code}):\n${log}`)); });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on (http:\/\/\S+?)\/? /.exec(log);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ url: `${m[1]}/`, stop: () => new Promise((r) => { child.removeAllListeners('exit'); child.once('exit', r); child.kill('SIGTERM'); }) });
      }
    });
  });
}

// ---- synthetic databases ------------------------------------------------------------------
function makeDb(dir, n, extra = []) {
  const file = path.join(dir, `bench-${n}.db`);
  const t0 = Date.now();
  const out = execFileSync(DB_BIN, ['--db', file, '--challenges', String(n), ...extra], { encoding: 'utf8' });
  const listed = Number((/home list: (\d+) rows/.exec(out) || [])[1]);
  return { file, bytes: fs.readFileSync(file), listed, out: out.trim(), seconds: (Date.now() - t0) / 1000 };
}

// ---- browser ------------------------------------------------------------------------------
// Timestamps (performance.now(), i.e. ms since navigation start) of the first assignment of
// parleyIsReady and parleyMirror, and of each durable generation. Accessors, so nothing is
// polled and no app code changes.
// Also brackets document start -> first frame with console.profile/profileEnd, which
// records a CPU profile only while a CDP session has the Profiler enabled (cold start does
// that for one extra reload); otherwise they do nothing.
function marksScript() {
  const marks = (globalThis.__benchMarks = { durable: {} });
  try { console.profile('parley-start'); } catch {}
  const hook = (name, onSet) => {
    let v;
    Object.defineProperty(globalThis, name, { configurable: true, enumerable: true, get() { return v; }, set(x) { v = x; onSet(x); } });
  };
  hook('parleyIsReady', (x) => { if (x === true && marks.ready === undefined) marks.ready = performance.now(); });
  hook('parleyMirror', (x) => {
    if (marks.mirror !== undefined) return;
    marks.mirror = performance.now();
    marks.firstScreen = x && x.screen;
    try { console.profileEnd('parley-start'); } catch {}
  });
  hook('parleyDurableGeneration', (g) => { if (typeof g === 'number' && marks.durable[g] === undefined) marks.durable[g] = performance.now(); });
}

async function browser() {
  const { context, dir } = await launch();
  await context.addInitScript(marksScript);
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context, page, errors, dir,
    close: async () => { await context.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

// Puts a database where the app looks for it (pre.js: db 'parley', store 'files', key
// 'parley.db'), from a page of the same origin that is not the app, as the web tests do.
// The bytes travel through a routed URL: far cheaper than a 50 MB evaluate() argument.
async function seed(page, url, bytes) {
  const seedUrl = `${url}__bench_seed.db`;
  await page.route(seedUrl, (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: bytes }));
  await page.goto(`${url}api/health`);
  await page.evaluate(async (u) => {
    const data = await (await fetch(u)).arrayBuffer();
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('parley', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('files');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    await new Promise((res, rej) => {
      const tx = db.transaction('files', 'readwrite');
      tx.objectStore('files').put({ bytes: data, generation: 1, savedAt: Date.now() }, 'parley.db');
      tx.oncomplete = res;
      tx.onerror = () => rej(tx.error);
    });
    db.close();
    localStorage.setItem('parley.saved-on-this-device', '1');
  }, seedUrl);
  await page.unroute(seedUrl);
}

// The store is encrypted at rest since issue 11: a seeded plain database meets the Upgrade
// door (passphrase twice, then it is encrypted), an encrypted one the Unlock door. Builds
// from before that go straight to Home. The time spent at the door is returned as `door`.
const BENCH_PASSPHRASE = 'bench passphrase for parley';
async function throughDoor(page, timeout) {
  const t0 = Date.now();
  const screenNow = () => page.evaluate(() => globalThis.parleyMirror.screen);
  if ((await screenNow()) !== 'unlock') return 0;
  const labels = await page.evaluate(() => globalThis.parleyMirror.items.map((i) => i.label));
  await type(page, 'Passphrase', BENCH_PASSPHRASE);
  if (labels.includes('Passphrase again')) await type(page, 'Passphrase again', BENCH_PASSPHRASE);
  const button = labels.find((l) => ['Unlock', 'Continue', 'Encrypt and continue'].includes(l));
  await tap(page, button, { role: 'button' });
  await page.waitForFunction(() => globalThis.parleyMirror.screen !== 'unlock', null, { timeout });
  // The new (or encrypted) store is in IndexedDB before anything reloads the page.
  await page.waitForFunction(() => globalThis.parleyDurableGeneration > 0, null, { timeout });
  return Date.now() - t0;
}

async function openApp(page, url, timeout = 120000) {
  await page.goto(url);
  await page.waitForFunction(() => globalThis.parleyIsReady === true && globalThis.parleyMirror, null, { timeout });
  await page.waitForFunction(() => ['home', 'unlock'].includes(globalThis.parleyMirror.screen), null, { timeout });
  const door = await throughDoor(page, timeout);
  await page.waitForFunction(() => globalThis.parleyMirror.screen === 'home', null, { timeout });
  return page.evaluate((d) => ({ ...globalThis.__benchMarks, durable: undefined, door: d }), door);
}

async function settle(page, quietMs = 300) {
  // Until the mirror has not changed for quietMs (the app draws a few frames after input).
  let prev = '';
  for (let i = 0; i < 100; i++) {
    const cur = await page.evaluate(() => JSON.stringify(globalThis.parleyMirror));
    if (cur === prev) return;
    prev = cur;
    await page.waitForTimeout(quietMs);
  }
}

const links = (page) => page.evaluate(() => globalThis.parleyMirror.items.filter((i) => i.role === 'link'));

// The GPU process of this browser (found by its profile directory), whose CPU time is
// SwiftShader rasterising what the page drew: there is no GPU here.
function gpuPid(dir) {
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const c = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (c.includes('--type=gpu-process') && c.includes(dir)) return Number(p);
    } catch {}
  }
  return null;
}
function cpuMs(pid) {
  if (!pid) return NaN;
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;   // utime + stime, USER_HZ = 100
  } catch { return NaN; }
}

// Frame cost three ways, for runs of n back-to-back frames (Module._parley_bench_frames):
//  - wall: what the hook returns (emscripten_get_now around the loop);
//  - cpu: the renderer main thread's CPU time (CDP Performance.getMetrics ThreadTime with
//    thread ticks): our wasm + its JS glue + WebGL command encoding. It does not count
//    time the thread sleeps, so other load on the machine hardly changes it;
//  - gpu: the GPU process's CPU time (/proc), i.e. SwiftShader drawing the frames.
// Wall is far above cpu because Dear ImGui 1.86's OpenGL3 backend reads GL state back
// (glGetIntegerv -> WebGL getParameter) every frame, a synchronous round trip that waits
// for the GPU process to finish the frames queued before it. A CPU profile of one more
// run shows how the main thread's wall time divides.
async function frameCost(b, n) {
  const { page } = b;
  const cdp = await b.context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const threadMs = async () => 1000 * (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value;
  const gpu = gpuPid(b.dir);
  await page.evaluate(() => Module._parley_bench_frames(20));   // warm-up
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const c0 = await threadMs(), g0 = cpuMs(gpu);
    const wall = await page.evaluate((k) => Module._parley_bench_frames(k), n);
    const c1 = await threadMs(), g1 = cpuMs(gpu);
    runs.push({ wall: wall / n, cpu: (c1 - c0) / n, gpu: (g1 - g0) / n });
  }
  const med = (k) => [...runs].sort((a, b2) => a[k] - b2[k])[1][k];

  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  const pn = Math.max(10, Math.round(n / 10));
  await page.evaluate((k) => Module._parley_bench_frames(k), pn);
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.send('Profiler.disable');
  await cdp.detach();
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const glNames = new Set(await page.evaluate(() => Object.getOwnPropertyNames(WebGL2RenderingContext.prototype)
    .concat(Object.getOwnPropertyNames(WebGLRenderingContext.prototype))));
  const parts = { 'WebGL getParameter (waits for the GPU process)': 0, 'other WebGL calls': 0, 'wasm': 0,
                  'JS glue (parley.js)': 0, 'garbage collection': 0, 'browser internals': 0 };
  const named = new Map();   // self time of named JS glue functions (wasm ones have no names)
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const cf = byId.get(profile.samples[i]).callFrame;
    const dt = profile.timeDeltas[i] || 0;
    if (cf.functionName === '(idle)') continue;
    total += dt;
    if (/parley\.js/.test(cf.url) && !/^wasm-function/.test(cf.functionName))
      named.set(cf.functionName || '(anonymous)', (named.get(cf.functionName || '(anonymous)') || 0) + dt);
    let k = 'browser internals';
    if (cf.functionName === 'getParameter') k = 'WebGL getParameter (waits for the GPU process)';
    else if (!cf.url && glNames.has(cf.functionName)) k = 'other WebGL calls';
    else if (cf.url.startsWith('wasm') || /^wasm-function/.test(cf.functionName)) k = 'wasm';
    else if (/parley\.js/.test(cf.url)) k = 'JS glue (parley.js)';
    else if (cf.functionName === '(garbage collector)') k = 'garbage collection';
    parts[k] += dt;
  }
  // Shares of the main thread's sampled wall time (profiling slows everything, so the
  // shares mean more than the profiled run's absolute times).
  // The getParameter wait is given as a share of all of it; everything else as a share of
  // the time the thread was not waiting for the GPU process.
  const WAIT = 'WebGL getParameter (waits for the GPU process)';
  const busy = total - parts[WAIT];
  const pct = (v, of) => +((100 * v) / of).toFixed(1);
  const waitShare = pct(parts[WAIT], total);
  const breakdown = Object.fromEntries(Object.entries(parts).filter(([k, v]) => v > 0 && k !== WAIT).sort((a, c) => c[1] - a[1])
    .map(([k, v]) => [k, pct(v, busy)]));
  const topGlue = [...named.entries()].sort((a, c) => c[1] - a[1]).slice(0, 6).map(([k, v]) => [k, pct(v, busy)]);
  return { frames: n, runs, msPerFrame: med('wall'), cpuPerFrame: med('cpu'), gpuPerFrame: med('gpu'),
           profiledFrames: pn, profileMsPerFrame: +(total / 1000 / pn).toFixed(2), waitShare, breakdown, topGlue };
}

function frameLine(f) {
  return `wall ${f.msPerFrame.toFixed(2)} ms/frame (what parley_bench_frames returns), main-thread CPU ${f.cpuPerFrame.toFixed(2)} ms/frame, ` +
    `GPU-process (SwiftShader) CPU ${Number.isNaN(f.gpuPerFrame) ? 'n/a' : f.gpuPerFrame.toFixed(1) + ' ms/frame'}; median of 3 runs of ${f.frames}`;
}
function breakdownLine(f) {
  return `profile of ${f.profiledFrames} more frames: ${f.waitShare}% of the main thread's wall time waits in WebGL getParameter ` +
    `for the GPU process; the rest is ` + Object.entries(f.breakdown).map(([k, v]) => `${k} ${v}%`).join(', ') +
    (f.topGlue.length ? `; busiest JS glue: ${f.topGlue.map(([k, v]) => `${k} ${v}%`).join(', ')}` : '');
}

// ---- 1. download size ---------------------------------------------------------------------
function wasmSections(buf) {
  // Section id -> bytes (custom sections by name). Enough to see code vs data.
  const names = { 1: 'type', 2: 'import', 3: 'function', 4: 'table', 5: 'memory', 6: 'global', 7: 'export', 8: 'start',
                  9: 'element', 10: 'code', 11: 'data', 12: 'datacount' };
  const out = {};
  let i = 8;
  const leb = () => { let r = 0, s = 0, b; do { b = buf[i++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return r >>> 0; };
  while (i < buf.length) {
    const id = buf[i++];
    const size = leb();
    const start = i;
    let name = names[id] || `id${id}`;
    if (id === 0) { const len = leb(); name = `custom:${buf.slice(i, i + len).toString()}`; }
    out[name] = (out[name] || 0) + size;
    i = start + size;
  }
  return out;
}

async function downloadSize(url) {
  const files = ['parley.wasm', 'parley.js', 'index.html', 'sw.js'];
  const sizes = {};
  let raw = 0, gz = 0, br = 0;
  for (const f of files) {
    const b = fs.readFileSync(path.join(WEB_ROOT, f));
    const g = zlib.gzipSync(b, { level: 9 }).length;
    const r = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    sizes[f] = { raw: b.length, gzip9: g, brotli11: r };
    raw += b.length; gz += g; br += r;
  }
  const wasm = fs.readFileSync(path.join(WEB_ROOT, 'parley.wasm'));
  const sections = wasmSections(wasm);
  const font = process.env.PARLEY_FONT_FILE || '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf';
  let fontBytes = null, fontGz = null, fontInWasm = null;
  if (fs.existsSync(font)) {
    const fb = fs.readFileSync(font);
    fontBytes = fb.length;
    fontGz = zlib.gzipSync(fb, { level: 9 }).length;
    fontInWasm = wasm.indexOf(fb.subarray(0, 64)) >= 0 ? 'parley.wasm'
      : fs.readFileSync(path.join(WEB_ROOT, 'parley.js')).includes(fb.subarray(0, 64)) ? 'parley.js' : 'not found verbatim';
  }

  // What a first visit really transfers from parley-serve (no compression), page and
  // service worker (its install re-fetches everything with cache: 'no-store').
  const b = await browser();
  const reqs = [];
  b.context.on('requestfinished', async (req) => {
    try {
      const s = await req.sizes();
      const res = await req.response();
      reqs.push({ url: req.url().replace(url, '/'), sw: !!req.serviceWorker(), fromSW: !!(res && res.fromServiceWorker()),
                  body: s.responseBodySize, headers: s.responseHeadersSize,
                  encoding: res ? (await res.allHeaders())['content-encoding'] || '' : '' });
    } catch {}
  });
  let first;
  try {
    await b.page.goto(url);
    await b.page.waitForFunction(() => globalThis.parleyIsReady === true && globalThis.parleyMirror, null, { timeout: 60000 });
    await b.page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 60000 });
    // Until no request has finished for 2 s: the page's own parley.wasm can finish after
    // the worker's precache copy.
    for (let n = -1, i = 0; n !== reqs.length && i < 30; i++) { n = reqs.length; await b.page.waitForTimeout(2000); }
    first = await b.page.evaluate(() => ({ ...globalThis.__benchMarks, durable: undefined }));
  } finally {
    await b.close();
  }
  const net = (filter) => reqs.filter(filter).reduce((a, r) => a + Math.max(0, r.body) + Math.max(0, r.headers), 0);
  const pageReqs = reqs.filter((r) => !r.sw && !r.fromSW), swReqs = reqs.filter((r) => r.sw);
  return {
    files: sizes, raw, gzip9: gz, brotli11: br, wasmSections: sections,
    font: { file: font, bytes: fontBytes, gzip9: fontGz, embeddedIn: fontInWasm },
    firstVisit: {
      pageBytes: net((r) => !r.sw && !r.fromSW), pageRequests: pageReqs.length,
      swBytes: net((r) => r.sw), swRequests: swReqs.length,
      encodings: [...new Set(reqs.map((r) => r.encoding || 'identity'))],
      readyMs: first && first.ready, firstFrameMs: first && first.mirror, requests: reqs,
    },
  };
}

// ---- 2. cold start with a warm service worker ---------------------------------------------
async function coldStart(url, db) {
  const b = await browser();
  try {
    await seed(b.page, url, db.bytes);
    const firstLoad = await openApp(b.page, url);
    await b.page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 60000 });
    await settle(b.page);
    const samples = [];
    for (let i = 0; i < RELOADS; i++) {
      await b.page.reload({ waitUntil: 'commit' });
      await b.page.waitForFunction(() => globalThis.__benchMarks && globalThis.__benchMarks.mirror !== undefined &&
        globalThis.__benchMarks.ready !== undefined, null, { timeout: 60000 });
      const s = await b.page.evaluate(() => {
        const m = globalThis.__benchMarks;
        const nav = performance.getEntriesByType('navigation')[0];
        const wasm = performance.getEntriesByType('resource').find((e) => /parley\.wasm$/.test(e.name));
        const js = performance.getEntriesByType('resource').find((e) => /parley\.js$/.test(e.name));
        return { ready: m.ready, firstFrame: m.mirror, screen: m.firstScreen, controlled: !!navigator.serviceWorker.controller,
                 docFromSW: nav ? nav.workerStart > 0 : null, docResponseEnd: nav && nav.responseEnd,
                 jsResponseEnd: js && js.responseEnd, wasmResponseEnd: wasm && wasm.responseEnd,
                 wasmFromSW: wasm ? wasm.workerStart > 0 : null };
      });
      samples.push(s);
      await settle(b.page, 200);
    }
    // One more reload under the CPU profiler (not among the timed samples): where the main
    // thread's time goes between navigation and the first frame.
    const glNames = new Set(await b.page.evaluate(() => Object.getOwnPropertyNames(WebGL2RenderingContext.prototype)
      .concat(Object.getOwnPropertyNames(WebGLRenderingContext.prototype), ['getContext'])));
    const cdp = await b.context.newCDPSession(b.page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    const done = new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('no start-up profile within 60 s')), 60000);
      cdp.once('Profiler.consoleProfileFinished', (e) => { clearTimeout(t); res(e.profile); });
    });
    await b.page.reload({ waitUntil: 'commit' });
    const profile = await done;
    await cdp.send('Profiler.disable');
    await cdp.detach();
    const byId = new Map(profile.nodes.map((x) => [x.id, x]));
    const parts = { 'WebGL context creation and calls (getContext, getExtension, getParameter, ...)': 0, wasm: 0,
                    'JS glue (parley.js)': 0, 'page shell and other JS': 0, 'garbage collection': 0,
                    'browser internals (parsing, compiling, loading)': 0, 'idle (waiting for files, IndexedDB, timers)': 0 };
    for (let i = 0; i < profile.samples.length; i++) {
      const cf = byId.get(profile.samples[i]).callFrame;
      const dt = profile.timeDeltas[i] || 0;
      let k = 'browser internals (parsing, compiling, loading)';
      if (cf.functionName === '(idle)') k = 'idle (waiting for files, IndexedDB, timers)';
      else if (!cf.url && glNames.has(cf.functionName)) k = 'WebGL context creation and calls (getContext, getExtension, getParameter, ...)';
      else if (cf.url.startsWith('wasm') || /^wasm-function/.test(cf.functionName)) k = 'wasm';
      else if (/parley\.js/.test(cf.url)) k = 'JS glue (parley.js)';
      else if (cf.functionName === '(garbage collector)') k = 'garbage collection';
      else if (cf.url) k = 'page shell and other JS';
      parts[k] += dt;
    }
    const profiled = Object.fromEntries(Object.entries(parts).filter(([, v]) => v > 0).sort((a, c) => c[1] - a[1])
      .map(([k, v]) => [k, Math.round(v / 1000)]));
    const profiledFirstFrame = await b.page.evaluate(() => globalThis.__benchMarks.mirror);
    return { firstLoad, samples, profiled, profiledFirstFrame, errors: b.errors };
  } finally {
    await b.close();
  }
}

// ---- 3. frames with 10,000 challenges (and a few saves at that size) -----------------------
async function bigList(url, db) {
  const b = await browser();
  try {
    const t0 = Date.now();
    await seed(b.page, url, db.bytes);
    const seedMs = Date.now() - t0;
    const load = await openApp(b.page, url, 180000);
    await settle(b.page);
    say(`  (seeded and open on Home; timing frames at the top of the list ...)`);
    const top = await frameCost(b, FRAMES);
    const topRows = (await links(b.page)).map((l) => l.value.split(' · ')[0]);

    // Scroll to the middle by finger: drags of D CSS px, each a real touchstart/move/end on
    // the canvas (CDP), which pre.js turns into parley_drag.
    const before = await links(b.page);
    if (before.length < 2) throw new Error('the Home list shows fewer than two rows');
    const pitch = before[1].y - before[0].y;
    // The finger stays inside the list (the drag scrolls the window under it).
    const vp = b.page.viewportSize();
    const x = vp.width / 2, y0 = Math.round(vp.height - 40);
    const D = Math.floor(y0 - (before[0].y + 20));
    const target = Math.round((db.listed / 2) * pitch);
    const drags = Math.ceil(target / D);
    const cdp = await b.context.newCDPSession(b.page);
    const t1 = Date.now();
    say(`  (scrolling to the middle: ${drags} finger drags of ${D} CSS px ...)`);
    let batch = [];
    for (let i = 0; i < drags; i++) {
      // One move per drag: every event waits for the renderer, which is busy drawing. A
      // drag released before a frame ran keeps its distance (ui touch_state) and is
      // applied by the next drag's frame; after the last one, frames run while the
      // finger is still down.
      // CDP delivers a session's input events in order, so a batch of drags is sent
      // without waiting for each event's acknowledgement.
      const dy = Math.min(D, target - i * D);
      batch.push(cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y: y0 }] }));
      batch.push(cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y0 - dy }] }));
      if (i === drags - 1) {
        await Promise.all(batch);
        batch = [];
        await b.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      }
      batch.push(cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] }));
      if (batch.length >= 60) { await Promise.all(batch); batch = []; }
    }
    await Promise.all(batch);
    await cdp.detach();
    const scrollMs = Date.now() - t1;
    await settle(b.page);
    const after = await links(b.page);
    const midRows = after.map((l) => l.value.split(' · ')[0]);
    const moved = midRows.length > 0 && !midRows.some((id) => topRows.includes(id));
    const middle = await frameCost(b, FRAMES);

    // A few saves at this size, for scale.
    await b.page.evaluate(() => { globalThis.__benchMarks.durable = {}; });
    const saves = await timedSaves(b, BIG_SAVES);
    return { seedMs, load, pitch, drags, dragPx: D, scrolledPx: target, scrollMs, rowsListed: db.listed,
             approxRowAtTop: Math.round(target / pitch), moved, visibleAfter: after.length, top, middle, saves, errors: b.errors };
  } finally {
    await b.close();
  }
}

// ---- 4. save -> durable -------------------------------------------------------------------
// Each save: t0 = performance.now(); gen = Module._parley_bench_save(); then the time the
// page saw parleyDurableGeneration reach gen (timestamped by the init script's setter, so
// polling adds nothing). Also the main thread's CPU time for the synchronous part (the
// engine's record + SQLite commit + pre.js copying the file out and starting the
// IndexedDB put), which other load on the machine hardly changes.
async function timedSaves(b, n) {
  const cdp = await b.context.newCDPSession(b.page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const threadMs = async () => 1000 * (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value;
  const out = [];
  for (let i = 0; i < n; i++) {
    await b.page.waitForTimeout(30);   // a person does not save twice in a frame
    const c0 = await threadMs();
    const [gen, t0, t1] = await b.page.evaluate(() => {
      const a = performance.now();
      const g = Module._parley_bench_save();
      return [g, a, performance.now()];
    });
    const c1 = await threadMs();
    if (!(gen > 0)) throw new Error(`parley_bench_save refused (${gen}): no challenge listed?`);
    const t2 = await b.page.evaluate(async (g) => {
      const marks = globalThis.__benchMarks;
      const deadline = Date.now() + 60000;
      while (!(marks.durable[g] !== undefined || globalThis.parleyDurableGeneration >= g)) {
        if (Date.now() > deadline) throw new Error(`generation ${g} not durable after 60 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
      return marks.durable[g] !== undefined ? marks.durable[g] : performance.now();
    }, gen);
    out.push({ gen, total: t2 - t0, sync: t1 - t0, syncCpu: c1 - c0 });
  }
  await cdp.detach();
  return out;
}

async function saves(url, db) {
  const b = await browser();
  try {
    await seed(b.page, url, db.bytes);
    await openApp(b.page, url);
    await settle(b.page);
    const frames = await frameCost(b, FRAMES);
    const samples = await timedSaves(b, SAVES);
    const stored = await b.page.evaluate(() => new Promise((res) => {
      const r = indexedDB.open('parley', 1);
      r.onsuccess = () => {
        // The chunked format's manifest (wasm/pre.js), or the first format's single record.
        const tx = r.result.transaction('files', 'readonly');
        const m = tx.objectStore('files').get('parley.db#m');
        const g = tx.objectStore('files').get('parley.db');
        tx.oncomplete = () => res(m.result ? { bytes: m.result.size, generation: m.result.generation, format: 'chunks' }
          : g.result ? { bytes: g.result.bytes.byteLength, generation: g.result.generation, format: 'whole file' }
          : { bytes: 0, generation: 0, format: 'nothing stored' });
      };
    }));
    await settle(b.page);
    const saved = await b.page.evaluate(() => globalThis.parleyMirror.items.filter((i) => /sav/i.test(i.label)).map((i) => i.label));
    return { samples, stored, frames, savedLabel: saved, errors: b.errors };
  } finally {
    await b.close();
  }
}

// ---- 5. unlocking ------------------------------------------------------------------------
// Argon2id runs on the tap: typing is excluded; the first unlock after each reload pays
// for growing the wasm heap to the KDF's 128 MiB as a person's would.
async function unlocks(url) {
  const b = await browser();
  try {
    await b.page.goto(url);
    await b.page.waitForFunction(() => globalThis.parleyIsReady === true && globalThis.parleyMirror, null, { timeout: 60000 });
    const create = await throughDoor(b.page, 60000);
    const taps = [], kdf = [], open = [];
    for (let i = 0; i < UNLOCKS; i++) {
      await b.page.reload();
      await b.page.waitForFunction(() => globalThis.parleyIsReady === true && globalThis.parleyMirror &&
        globalThis.parleyMirror.screen === 'unlock', null, { timeout: 60000 });
      await type(b.page, 'Passphrase', BENCH_PASSPHRASE);
      const button = await find(b.page, 'Unlock', { role: 'button' });
      const t0 = Date.now();
      await b.page.touchscreen.tap(button.x + button.w / 2, button.y + button.h / 2);
      await b.page.waitForFunction(() => globalThis.parleyMirror.screen !== 'unlock', null, { timeout: 60000, polling: 5 });
      taps.push(Date.now() - t0);
      const inside = await b.page.evaluate(() => [Module._parley_bench_unlock_kdf_ms(), Module._parley_bench_unlock_open_ms()]);
      kdf.push(inside[0]);
      open.push(inside[1]);
    }
    return { create, taps, kdf, open, errors: b.errors };
  } finally {
    await b.close();
  }
}

// ---- main ---------------------------------------------------------------------------------
async function main() {
  results.machine = machine();
  // Which build is measured: the service worker's build id (a content hash of the app)
  // and the commit the tree is at, with uncommitted changes flagged.
  const swText = fs.readFileSync(path.join(WEB_ROOT, 'sw.js'), 'utf8');
  let git = '';
  try {
    git = execFileSync('git', ['-C', ROOT, 'describe', '--always', '--dirty'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  results.build = { id: (/const BUILD = '([^']*)'/.exec(swText) || [])[1] || '?', git };
  say(`Parley web benchmark — ${results.date}`);
  say(`machine: ${results.machine.cpus} × ${results.machine.cpu}, ${results.machine.memGB} GiB, ${results.machine.chromium}, node ${results.machine.node}`);
  say(`load average at start: ${results.machine.loadavgStart.join(', ')} (other work on the machine skews every figure)`);
  say(`web build ${results.build.id}, source tree ${results.build.git || '?'}`);
  say(`server ${path.relative(ROOT, SERVE_BIN)}, web root ${path.relative(ROOT, WEB_ROOT)}, db tool ${path.relative(ROOT, DB_BIN)}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  const server = await startServer();
  try {
    say(`\nGenerating synthetic databases (${path.relative(ROOT, DB_BIN)}) ...`);
    results.databases = {};
    let small, big;
    if (want(2) || want(4)) {
      small = makeDb(tmp, SMALL);
      say(`  ${SMALL}: ${mb(small.bytes.length)}, ${small.listed} rows on Home, generated in ${small.seconds.toFixed(1)} s`);
      results.databases.small = { challenges: SMALL, bytes: small.bytes.length, listed: small.listed, out: small.out };
    }
    if (want(3)) {
      big = makeDb(tmp, BIG, ['--measure']);
      say(`  ${BIG}: ${mb(big.bytes.length)}, ${big.listed} rows on Home, generated in ${big.seconds.toFixed(1)} s`);
      results.databases.big = { challenges: BIG, bytes: big.bytes.length, listed: big.listed, out: big.out };
    }

    const load = () => `load average ${os.loadavg().map((x) => x.toFixed(1)).join(', ')}`;
    if (want(1)) {
    say('\n1. Download size (target: ≤ 1 MB compressed on a cold load)');
    say(`  (${load()})`);
    const dl = await downloadSize(server.url);
    results.download = dl;
    for (const [f, s] of Object.entries(dl.files))
      say(`  ${f.padEnd(12)} ${kb(s.raw).padStart(12)} raw  ${kb(s.gzip9).padStart(11)} gzip -9  ${kb(s.brotli11).padStart(11)} brotli 11`);
    say(`  total        ${kb(dl.raw).padStart(12)} raw  ${kb(dl.gzip9).padStart(11)} gzip -9  ${kb(dl.brotli11).padStart(11)} brotli 11` +
        `  = ${(dl.gzip9 / 1e6).toFixed(3)} MB gzip (${dl.gzip9 <= 1e6 ? 'meets' : 'MISSES'} the 1 MB target)`);
    say(`  parley.wasm sections: ${Object.entries(dl.wasmSections).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${kb(v)}`).join(', ')}`);
    if (dl.font.bytes)
      say(`  UI font ${path.basename(dl.font.file)}: ${kb(dl.font.bytes)} raw, ${kb(dl.font.gzip9)} gzip -9, embedded in ${dl.font.embeddedIn}`);
    say(`  first visit to parley-serve (encodings: ${dl.firstVisit.encodings.join(', ')}): page ${mb(dl.firstVisit.pageBytes)} in ` +
        `${dl.firstVisit.pageRequests} requests + service-worker precache ${mb(dl.firstVisit.swBytes)} in ${dl.firstVisit.swRequests} requests`);
    say(`  first visit, no service worker yet, empty database: ready ${ms(dl.firstVisit.readyMs)}, first frame ${ms(dl.firstVisit.firstFrameMs)} after navigation start`);

    }

    let cs, bl, sv;
    if (want(2)) {
    say(`\n2. Cold start with a warm service worker, ${SMALL} challenges, ${RELOADS} reloads (target: ≤ 500 ms)`);
    say(`  (${load()})`);
    cs = await coldStart(server.url, small);
    results.coldStart = cs;
    const readyS = stats(cs.samples.map((s) => s.ready)), frameS = stats(cs.samples.map((s) => s.firstFrame));
    results.coldStart.readyStats = readyS;
    results.coldStart.firstFrameStats = frameS;
    say(`  first load (no worker yet): ready ${ms(cs.firstLoad.ready)}, first frame ${ms(cs.firstLoad.mirror)}`);
    say(`  navigation start -> parleyIsReady:      median ${ms(readyS.p50)}, p95 ${ms(readyS.p95)}, min ${ms(readyS.min)}, max ${ms(readyS.max)}`);
    say(`  navigation start -> first frame (mirror): median ${ms(frameS.p50)}, p95 ${ms(frameS.p95)}, min ${ms(frameS.min)}, max ${ms(frameS.max)}` +
        `  (${frameS.p95 <= 500 ? 'meets' : 'MISSES'} the 500 ms target at p95)`);
    say(`  every reload controlled by the worker: ${cs.samples.every((s) => s.controlled && s.docFromSW && s.wasmFromSW)}; ` +
        `first screen: ${[...new Set(cs.samples.map((s) => s.screen))].join(', ')}`);
    const wasmEnd = stats(cs.samples.map((s) => s.wasmResponseEnd || 0));
    say(`  one more reload under the CPU profiler, document start -> first frame (${ms(cs.profiledFirstFrame)}), main thread ms: ` +
        Object.entries(cs.profiled).map(([k, v]) => `${k} ${v}`).join(', '));
    say(`  of which parley.wasm received from the worker by: median ${ms(wasmEnd.p50)}; samples (ready/first frame): ` +
        cs.samples.map((s) => `${s.ready.toFixed(0)}/${s.firstFrame.toFixed(0)}`).join(' '));

    }

    if (want(3)) {
    say(`\n3. CPU time per frame, ${BIG} challenges on Home (target: ≤ 2 ms)`);
    say(`  (${load()})`);
    bl = await bigList(server.url, big);
    results.bigList = bl;
    say(`  seeding IndexedDB with ${mb(big.bytes.length)}: ${bl.seedMs} ms; first load to Home: ready ${ms(bl.load.ready)}, first frame ${ms(bl.load.mirror)}`);
    say(`  top of the list: ${frameLine(bl.top)}  (main-thread CPU ${bl.top.cpuPerFrame <= 2 ? 'meets' : 'MISSES'} the 2 ms target)`);
    say(`    ${breakdownLine(bl.top)}`);
    say(`  scrolled by finger ${bl.scrolledPx} CSS px in ${bl.drags} drags (${(bl.scrollMs / 1000).toFixed(1)} s), row pitch ${bl.pitch.toFixed(1)} CSS px ` +
        `=> about row ${bl.approxRowAtTop} of ${bl.rowsListed}; new rows on screen: ${bl.moved}`);
    say(`  middle of the list: ${frameLine(bl.middle)}  (main-thread CPU ${bl.middle.cpuPerFrame <= 2 ? 'meets' : 'MISSES'} the 2 ms target)`);
    say(`    ${breakdownLine(bl.middle)}`);
    const bigSave = stats(bl.saves.map((s) => s.total));
    say(`  for scale, save -> durable at ${BIG} challenges (${mb(big.bytes.length)} stored): ${statLine(bigSave)}`);
    say(`    main-thread CPU of the synchronous part: ${statLine(stats(bl.saves.map((s) => s.syncCpu)))}`);

    }

    if (want(4)) {
    say(`\n4. Save -> durable in IndexedDB, ${SMALL} challenges, ${SAVES} saves (target: p95 ≤ 100 ms)`);
    say(`  (${load()})`);
    sv = await saves(server.url, small);
    results.saves = sv;
    const tot = stats(sv.samples.map((s) => s.total)), syn = stats(sv.samples.map((s) => s.sync));
    results.saves.totalStats = tot;
    results.saves.syncStats = syn;
    say(`  save -> durable: ${statLine(tot)}  (${tot.p95 <= 100 ? 'meets' : 'MISSES'} the 100 ms target at p95)`);
    const cpu = stats(sv.samples.map((s) => s.syncCpu));
    results.saves.syncCpuStats = cpu;
    say(`  of which synchronous (record + commit + copying the file out + starting the put): ${statLine(syn)}`);
    say(`  main-thread CPU time of that synchronous part: ${statLine(cpu)}`);
    say(`  stored record after the run: ${mb(sv.stored.bytes)}, generation ${sv.stored.generation}; status bar: ${sv.savedLabel.join(' | ') || '(no "Saved")'}`);
    say(`  for comparison, Home with ${SMALL} challenges: ${frameLine(sv.frames)}`);
    say(`    ${breakdownLine(sv.frames)}`);

    }

    if (want(5)) {
      say(`\n5. Unlocking: choosing a passphrase, then unlocking after a reload, ${UNLOCKS} times (target: ≤ 1 s)`);
      say(`  (${load()})`);
      const un = await unlocks(server.url);
      results.unlocks = un;
      say(`  choosing a passphrase on a new device (Argon2id + the empty store): ${ms(un.create)}`);
      say(`  unlock after a reload, the tap on Unlock -> Home on screen: ${statLine(stats(un.taps))}`);
      say(`    of which Argon2id (unwrapping the key): ${statLine(stats(un.kdf))}`);
      say(`    and opening the store: ${statLine(stats(un.open))}`);
    }

    if (big) {
      say(`\nNative (parley-bench-db --measure on the ${BIG}-challenge database):`);
      for (const line of big.out.split('\n').filter((l) => /^\s|native/.test(l))) say(`  ${line.trim()}`);
    }

    const errs = [cs, bl, sv].flatMap((x) => (x ? x.errors : []));
    if (errs.length) say(`\npage errors: ${errs.join(' | ')}`);
    results.machine.loadavgEnd = os.loadavg().map((x) => +x.toFixed(2));
    say(`\nload average at end: ${results.machine.loadavgEnd.join(', ')}`);
  } finally {
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
    fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
    say(`raw figures: ${path.relative(ROOT, JSON_OUT)}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
