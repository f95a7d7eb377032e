// bench/storage_bench/storage_bench.mjs — IndexedDB storage for the web client: Emscripten's
// IDBFS (whole changed files, FS.syncfs) against Parley's own 32 KiB chunk writer
// (wasm/pre.js), on the same SQLite database, in Debian's headless Chromium. Run on demand;
// the figures go to docs/performance.md by hand. Build first: bench/storage_bench/build.sh.
//
//   nice node bench/storage_bench/storage_bench.mjs
//
// For each database size and each variant, in a fresh browser profile:
//   1. open the page (nothing stored yet), grow the database to the size (untimed), persist
//      it whole once (printed as "first write");
//   2. WARMUP saves, not counted, then SAVES saves 30 ms apart: a one-row INSERT
//      transaction, then persist; save -> durable = from before the INSERT until IndexedDB's
//      oncomplete (IDBFS: the syncfs callback, which fires there); "sync" = the INSERT and
//      commit alone;
//   3. close the page, then LOADS times open a new page on the same profile: load = from the
//      first IndexedDB request to the database open and its newest row read (IDBFS:
//      syncfs(true) + sqlite3_open + a query; chunks: read manifest + chunks, write the
//      MEMFS file, open, query); each load also checks the row count survived.
//
// Variables:
//   STORAGE_BENCH_OUT      build output (default build/storage-bench)
//   STORAGE_BENCH_SIZES    MB, comma-separated (default "2.6,51.6": Parley's 500 and 10,000
//                          challenge databases, docs/performance.md section 4)
//   STORAGE_BENCH_VARIANTS default "idbfs-delete,idbfs-memory,idbfs-memory-strict,chunks"
//   STORAGE_BENCH_SAVES (50) _WARMUP (3) _LOADS (5)
//   STORAGE_BENCH_JSON     raw samples (default build/test-output/storage-bench.json)
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../tests/web/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.resolve(ROOT, process.env.STORAGE_BENCH_OUT || 'build/storage-bench');
const JSON_OUT = path.resolve(ROOT, process.env.STORAGE_BENCH_JSON || 'build/test-output/storage-bench.json');
const int = (name, d) => { const v = process.env[name]; return v ? Number.parseInt(v, 10) : d; };
const SAVES = int('STORAGE_BENCH_SAVES', 50), WARMUP = int('STORAGE_BENCH_WARMUP', 3), LOADS = int('STORAGE_BENCH_LOADS', 5);
const SIZES = (process.env.STORAGE_BENCH_SIZES || '2.6,51.6').split(',').map(Number);
// name -> [build, query]
const ALL = {
  'idbfs-delete': ['idbfs', 'journal=delete&strict=0'],          // what a naive user gets
  'idbfs-memory': ['idbfs', 'journal=memory&strict=0'],          // IDBFS as shipped, journal as Parley
  'idbfs-memory-strict': ['idbfs', 'journal=memory&strict=1'],   // like for like with chunks
  'chunks': ['chunks', 'journal=memory&strict=1'],               // wasm/pre.js's design
};
const VARIANTS = (process.env.STORAGE_BENCH_VARIANTS || Object.keys(ALL).join(',')).split(',');
for (const v of VARIANTS) if (!ALL[v]) throw new Error(`unknown variant ${v} (known: ${Object.keys(ALL).join(', ')})`);
for (const f of ['idbfs.js', 'idbfs.wasm', 'chunks.js', 'chunks.wasm'])
  if (!fs.existsSync(path.join(OUT, f))) throw new Error(`${path.join(OUT, f)} missing: run bench/storage_bench/build.sh`);

const say = (s = '') => console.log(s);
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];  // nearest rank
  return { n: s.length, min: s[0], p50: q(50), p95: q(95), max: s[s.length - 1] };
}
const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

// ---- files on loopback ----------------------------------------------------------------------
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/page.html') {
      const build = url.searchParams.get('build') === 'idbfs' ? 'idbfs' : 'chunks';
      res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
      res.end(`<!doctype html><meta charset="utf-8"><title>storage bench</title><script src="${build}.js"></script>`);
      return;
    }
    if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    const name = path.basename(url.pathname);
    const file = path.join(OUT, name);
    if (!/^(idbfs|chunks)\.(js|wasm)$/.test(name) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(name)], 'Cache-Control': 'no-store' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- one variant at one size, in its own profile ------------------------------------------
async function run(base, name, mb) {
  const [build, query] = ALL[name];
  const url = `${base}page.html?build=${build}&${query}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storage-bench-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    let page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') say(`    [page] ${m.text()}`); });
    await page.goto(url);
    await page.evaluate(() => globalThis.storageBench.ready);
    const first = await page.evaluate((b) => globalThis.storageBench.fill(b), mb * 1e6);
    const saves = await page.evaluate(async ({ n, warm }) => {
      const out = [];
      for (let i = 0; i < warm + n; i++) {
        const r = await globalThis.storageBench.save();
        if (i >= warm) out.push(r);
        await new Promise((res) => setTimeout(res, 30));
      }
      return out;
    }, { n: SAVES, warm: WARMUP });
    const rows = await page.evaluate(() => globalThis.storageBench.rows());
    await page.close();
    const loads = [];
    for (let i = 0; i < LOADS; i++) {
      page = await context.newPage();
      await page.goto(url);
      const r = await page.evaluate(async () => {
        const m = await globalThis.storageBench.ready;
        return { load: m.opened - m.loadStart, read: m.loaded - m.loadStart, nav: m.opened, marks: m, rows: globalThis.storageBench.rows() };
      });
      if (r.rows !== rows) throw new Error(`${name}: reload ${i + 1} found ${r.rows} rows, expected ${rows}: a save was not durable`);
      loads.push(r);
      await page.close();
    }
    return { name, mb, first, saves, rows, loads };
  } finally {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- main -----------------------------------------------------------------------------------
let chromiumVersion = '';
try { chromiumVersion = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim(); } catch {}
say(`storage bench ${new Date().toISOString()}  ${os.cpus().length} cpus, ${chromiumVersion}, node ${process.version}`);
say(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
say(`${SAVES} saves (+${WARMUP} warm-up) and ${LOADS} loads per variant; sizes ${SIZES.join(', ')} MB\n`);
const server = await serve();
const base = `http://127.0.0.1:${server.address().port}/`;
const results = [];
try {
  for (const mb of SIZES) {
    for (const name of VARIANTS) {
      const t0 = Date.now();
      const r = await run(base, name, mb);
      results.push(r);
      const st = stats(r.saves.map((s) => s.total)), sy = stats(r.saves.map((s) => s.sync));
      const ld = stats(r.loads.map((l) => l.load));
      say(`${String(mb).padStart(5)} MB ${name.padEnd(20)} save→durable p50 ${f(st.p50)} p95 ${f(st.p95)} max ${f(st.max)} ms` +
          ` (sync p50 ${f(sy.p50)}), wrote ${(r.saves.at(-1).wrote / 1024).toFixed(0)} KiB/save;` +
          ` load p50 ${f(ld.p50)} max ${f(ld.max)} ms; ${r.rows} rows, file ${(r.first.bytes / 1e6).toFixed(2)} MB;` +
          ` first write ${f(r.first.persistMs)} ms  [${((Date.now() - t0) / 1000).toFixed(0)} s, load avg ${os.loadavg()[0].toFixed(2)}]`);
    }
  }
} finally {
  server.close();
}

say('\n| size | variant | journal | durability | save→durable p50 | p95 | max | SQLite commit p50 | written per save | load p50 | load max | of which IndexedDB read p50 |');
say('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const st = stats(r.saves.map((s) => s.total)), sy = stats(r.saves.map((s) => s.sync)), ld = stats(r.loads.map((l) => l.load));
  const w = stats(r.saves.map((s) => s.wrote));
  const [, q] = ALL[r.name];
  const journal = q.includes('delete') ? 'DELETE' : 'MEMORY';
  const dur = q.includes('strict=1') ? 'strict' : 'not set';
  say(`| ${(r.first.bytes / 1e6).toFixed(1)} MB | ${r.name} | ${journal} | ${dur} | ${f(st.p50)} ms | ${f(st.p95)} ms | ${f(st.max)} ms |` +
      ` ${f(sy.p50)} ms | ${(w.p50 / 1024).toFixed(0)} KiB | ${f(ld.p50)} ms | ${f(ld.max)} ms | ${f(stats(r.loads.map((l) => l.read)).p50)} ms |`);
}
say(`\nload average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
fs.writeFileSync(JSON_OUT, JSON.stringify({ date: new Date().toISOString(), chromium: chromiumVersion, SAVES, WARMUP, LOADS, results }, null, 1));
say(`raw samples: ${path.relative(ROOT, JSON_OUT)}`);
