// bench/crypto_bench.mjs — encryption at rest, all candidates side by side (issue 11;
// docs/performance.md "Encryption at rest"): parley-bench-crypto natively and as
// WebAssembly under node and in Debian's headless Chromium (the same C++ and the same
// libsodium 1.0.18 source), and WebCrypto (bench/crypto_webcrypto.mjs) in node and in
// Chromium. Prints one table; asserts nothing about time. Each part runs alone, one after
// another, so they do not compete for the 2 cores; the load average is printed with it.
//
//   node bench/crypto_bench.mjs [--runs N] [--cold-repeats K] [--ops 2,3,4] [--mem 32,64,128]
//                               [--only LIST] [--json FILE]
//
//   --only   which hosts: native,wasm-node,wasm-chromium,webcrypto-node,webcrypto-chromium,
//            and which Argon2id tables: warm,cold (default all of them)
//   --cold-repeats  fresh processes or pages per parameter set for the cold table (3)
//   --json   where the raw figures go (default build/test-output/crypto-bench.json)
//   PARLEY_BENCH_CRYPTO_NATIVE  default build/native-release/bench/parley-bench-crypto
//   PARLEY_BENCH_CRYPTO_WASM    default build/web/bench/parley-bench-crypto.js (+ .wasm beside it)
//
// Two Argon2id tables: "warm" (one process or page runs the whole grid: the first call at
// each size, then the median of --runs more) and "cold" (each parameter set alone in a
// fresh process or page, first call only, after the 8 MiB known-answer check): the cold
// one is what an unlock right after starting the app costs, heap growth and fresh pages
// included, and is the one to hold against the 1 s budget (median of K, with the range).
//
// In Chromium the wasm runs on the page's main thread, as the web client's unlock would,
// served from loopback by a tiny static server here; its randombytes therefore goes
// through window.crypto.getRandomValues, the browser path of libsodium's Emscripten code.
// A missing binary skips its column and says so.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { webcryptoBench } from './crypto_webcrypto.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
const runs = opt('--runs', '5');
const ops = opt('--ops', '2,3,4');
const mem = opt('--mem', '32,64,128');
const coldRepeats = Math.max(1, Number(opt('--cold-repeats', '3')));
const only = new Set(opt('--only', 'native,wasm-node,wasm-chromium,webcrypto-node,webcrypto-chromium,warm,cold').split(','));
const jsonOut = path.resolve(ROOT, opt('--json', 'build/test-output/crypto-bench.json'));
const nativeBin = path.resolve(ROOT, process.env.PARLEY_BENCH_CRYPTO_NATIVE || 'build/native-release/bench/parley-bench-crypto');
const wasmJs = path.resolve(ROOT, process.env.PARLEY_BENCH_CRYPTO_WASM || 'build/web/bench/parley-bench-crypto.js');
const benchArgs = ['--runs', runs, '--ops', ops, '--mem', mem, '--json'];
const grid = ops.split(',').flatMap((o) => mem.split(',').map((m) => ({ ops: Number(o), mem: Number(m) })));
const coldArgs = ({ ops: o, mem: m }) => ['--runs', '0', '--no-page', '--ops', String(o), '--mem', String(m), '--json'];

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
// "Mozilla/5.0 (X11; ...) ... HeadlessChrome/156.0.0.0 Safari/537.36" -> "Chromium 156.0.0.0 (headless)"
const shortHost = (h) => h.replace(/Mozilla\/5\.0 .*?(Headless)?Chrome\/(\S+).*/, (_, hl, v) => `Chromium ${v}${hl ? ' (headless)' : ''}`);
const results = {};  // column -> { bench: parley-bench-crypto JSON, webcrypto: ..., load }
const cold = {};     // column -> [{ ops, mem, runs_ms: [first call of each fresh process/page] }]
const coldLoad = {}; // column -> load average before -> after

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

function parseJsonLine(text) {
  const line = text.split('\n').find((l) => l.startsWith('JSON '));
  if (!line) throw new Error('no JSON line in:\n' + text);
  return JSON.parse(line.slice(5));
}

function runBench(column, file, cmd, cmdArgs) {
  if (!fs.existsSync(file)) { console.log(`[${column}] skipped: ${file} not built`); return; }
  console.log(`[${column}] running (load ${load()})`);
  const before = load();
  const out = execFileSync(cmd, [...cmdArgs, ...benchArgs], { encoding: 'utf8', maxBuffer: 1 << 24 });
  process.stdout.write(out.split('\n').filter((l) => !l.startsWith('JSON ')).map((l) => `  | ${l}`).join('\n') + '\n');
  results[column] = { bench: parseJsonLine(out), load: `${before} -> ${load()}` };
}

// Cold: each parameter set in a fresh process, first call only, coldRepeats times; `once`
// runs one and returns its first_ms. The sets take turns, so a burst of load elsewhere
// spreads over all of them rather than landing on one.
async function runCold(column, once) {
  console.log(`[cold ${column}] running (load ${load()})`);
  const before = load();
  cold[column] = grid.map((g) => ({ ...g, runs_ms: [] }));
  for (let k = 0; k < coldRepeats; k++)
    for (const c of cold[column]) c.runs_ms.push(await once(c));
  coldLoad[column] = `${before} -> ${load()}`;
}
const coldProcess = (cmd, cmdArgs) => (g) =>
  parseJsonLine(execFileSync(cmd, [...cmdArgs, ...coldArgs(g)], { encoding: 'utf8' })).argon2id[0].first_ms;

// The page that runs the wasm bench: its output lines land in globalThis.benchOut, and
// benchDone is set by the JSON line or by any failure, so a broken build ends the wait.
// (Not `var out`: Emscripten's glue declares a global of that name.)
// ?args=<JSON array> replaces the arguments (the cold runs load the page once per set).
const benchPage = (jsName) => `<!doctype html><meta charset="utf-8"><title>parley-bench-crypto</title><script>
var benchOut = globalThis.benchOut = [];
var fail = function (what) { benchOut.push('FAILED: ' + what); globalThis.benchDone = true; };
addEventListener('error', function (e) { fail(e.message); });
var given = new URLSearchParams(location.search).get('args');
var Module = { arguments: given ? JSON.parse(given) : ${JSON.stringify(benchArgs)},
  print: function (t) { benchOut.push(t); if (t.startsWith('JSON ')) globalThis.benchDone = true; },
  printErr: function (t) { benchOut.push('stderr: ' + t); },
  onAbort: function (w) { fail('abort: ' + w); },
  onExit: function (code) { if (code !== 0) fail('exit code ' + code); } };
</script><script src="${jsName}"></script>`;

// A static loopback server: index.html is `page`, other names are files of `dir`.
async function serve(dir, page) {
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname.slice(1)) || 'index.html';
    if (name === 'index.html') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page); return; }
    const file = path.join(dir, path.basename(name));
    if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    const type = file.endsWith('.wasm') ? 'application/wasm' : file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

async function chromiumParts() {
  const wantWasm = only.has('wasm-chromium'), wantWeb = only.has('webcrypto-chromium');
  if (!wantWasm && !wantWeb) return;
  const { launch } = await import('../tests/web/harness.mjs');
  const { context, dir } = await launch(null);
  try {
    const page = context.pages()[0] || await context.newPage();
    const ua = async () => shortHost(await page.evaluate(() => navigator.userAgent));
    if (wantWasm) {
      if (!fs.existsSync(wasmJs)) {
        console.log(`[wasm-chromium] skipped: ${wasmJs} not built`);
      } else {
        const server = await serve(path.dirname(wasmJs), benchPage(path.basename(wasmJs)));
        try {
          if (only.has('warm')) console.log(`[wasm-chromium] running (load ${load()})`);
          const before = load();
          const run = async (query) => {
            await page.goto(server.url + query);
            await page.waitForFunction(() => globalThis.benchDone === true, null, { timeout: 15 * 60 * 1000, polling: 500 });
            return page.evaluate(() => globalThis.benchOut);
          };
          if (only.has('warm')) {
            const lines = await run('');
            process.stdout.write(lines.filter((l) => !l.startsWith('JSON ')).map((l) => `  | ${l}`).join('\n') + '\n');
            results['wasm-chromium'] = { bench: parseJsonLine(lines.join('\n')), load: `${before} -> ${load()}` };
          }
          if (only.has('cold')) {
            await runCold('wasm-chromium', async (g) =>
              parseJsonLine((await run('?args=' + encodeURIComponent(JSON.stringify(coldArgs(g))))).join('\n')).argon2id[0].first_ms);
          }
        } finally {
          await server.close();
        }
      }
    }
    if (wantWeb) {
      // An empty page of an http://127.0.0.1 origin: crypto.subtle needs a secure context,
      // which loopback is (about:blank would not be).
      const server = await serve(path.dirname(jsonOut), '<!doctype html><title>webcrypto</title>');
      try {
        await page.goto(server.url);
        console.log(`[webcrypto-chromium] running (load ${load()})`);
        const before = load();
        const r = await page.evaluate(`(${webcryptoBench.toString()})({ runs: ${Number(runs)} })`);
        results['webcrypto-chromium'] = { webcrypto: r, host: await ua(), load: `${before} -> ${load()}` };
      } finally {
        await server.close();
      }
    }
  } finally {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- run ----------------------------------------------------------------------------------
console.log(`crypto bench on ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, load ${load()}`);
const wasmNode = ['--no-experimental-fetch', wasmJs];
for (const [column, file, cmd, cmdArgs] of [['native', nativeBin, nativeBin, []],
  ['wasm-node', wasmJs, process.execPath, wasmNode]]) {
  if (!only.has(column)) continue;
  if (only.has('warm')) runBench(column, file, cmd, cmdArgs);
  if (only.has('cold') && fs.existsSync(file)) await runCold(column, coldProcess(cmd, cmdArgs));
}
if (only.has('webcrypto-node')) {
  console.log(`[webcrypto-node] running (load ${load()})`);
  const before = load();
  results['webcrypto-node'] = { webcrypto: await webcryptoBench({ runs: Number(runs) }), host: `node ${process.version}`,
    load: `${before} -> ${load()}` };
}
await chromiumParts();

// ---- the table ------------------------------------------------------------------------------
const cols = ['native', 'wasm-node', 'wasm-chromium'].filter((c) => results[c]);
const ccols = ['native', 'wasm-node', 'wasm-chromium'].filter((c) => cold[c]);
const pad = (s, n) => String(s).padStart(n);
const f1 = (x) => (x == null ? '-' : x.toFixed(1));
console.log('\n==== Encryption at rest: libsodium 1.0.18 (same source everywhere) ====');
for (const c of cols) console.log(`  ${c.padEnd(14)} ${shortHost(results[c].bench.host)} | ${results[c].bench.build} | load ${results[c].load}`);
for (const c of ccols) console.log(`  ${`${c} cold`.padEnd(14)} load ${coldLoad[c]}`);
if (ccols.length) {
  console.log(`\nArgon2id from cold (unlock right after start): one call in a fresh process or page, wall ms,` +
    ` median of ${coldRepeats} [min-max]`);
  console.log(`  ${'ops'.padEnd(4)} ${'MiB'.padStart(4)} ` + ccols.map((c) => pad(c, 27)).join(''));
  for (const g of grid) {
    console.log(`  ${String(g.ops).padEnd(4)} ${pad(g.mem, 4)} ` + ccols.map((c) => {
      const x = cold[c].find((y) => y.ops === g.ops && y.mem === g.mem);
      return pad(`${f1(median(x.runs_ms))} [${f1(Math.min(...x.runs_ms))}-${f1(Math.max(...x.runs_ms))}]`, 27);
    }).join(''));
  }
}
if (cols.length) {
  console.log(`\nArgon2id warm (crypto_pwhash, 1 lane): wall ms, median of ${runs} after the first call [first call]` +
    (cols.includes('native') || cols.includes('wasm-node') ? '; CPU ms in ()' : ''));
  console.log(`  ${'ops'.padEnd(4)} ${'MiB'.padStart(4)} ` + cols.map((c) => pad(c, 27)).join(''));
  const rows = results[cols[0]].bench.argon2id;
  for (const row of rows) {
    const cells = cols.map((c) => {
      const a = results[c].bench.argon2id.find((x) => x.ops === row.ops && x.mem_mib === row.mem_mib);
      if (!a) return pad('-', 27);
      if (!a.ok) return pad('out of memory', 27);
      return pad(`${f1(a.median_ms)} [${f1(a.first_ms)}]${a.cpu_ms != null ? ` (${f1(a.cpu_ms)})` : ''}`, 27);
    });
    console.log(`  ${String(row.ops).padEnd(4)} ${pad(row.mem_mib, 4)} ${cells.join('')}`);
  }
  console.log('\nXChaCha20-Poly1305, one 4096-byte page: us per page (MB/s)');
  console.log(`  ${''.padEnd(30)}` + cols.map((c) => pad(c, 20)).join(''));
  const pageRows = [['random nonce, randombytes_buf(24)', 'nonce_us', false], ['nonce, ChaCha20(seed, counter)', 'stream_nonce_us', false],
    ['encrypt', 'encrypt_us', true], ['encrypt + randombytes nonce', 'encrypt_nonce_us', true], ['decrypt + verify', 'decrypt_us', true]];
  for (const [label, key, rate] of pageRows) {
    console.log(`  ${label.padEnd(30)}` + cols.map((c) => {
      const us = results[c].bench.page[key];
      return pad(rate ? `${us.toFixed(2)} (${(4096 / us).toFixed(0)})` : us.toFixed(2), 20);
    }).join(''));
  }
  // What opening a whole database costs at the decrypt rate: the sizes bench/storage_bench
  // and parley-bench-db use (500 and 10,000 challenges).
  for (const mb of [2.6, 51.6]) {
    const pages = Math.ceil((mb * 1e6) / 4096);
    console.log(`  ${`decrypt a ${mb} MB database, ms`.padEnd(30)}` +
      cols.map((c) => pad(((pages * results[c].bench.page.decrypt_us) / 1000).toFixed(1), 20)).join(''));
  }
}
const wcols = ['webcrypto-node', 'webcrypto-chromium'].filter((c) => results[c]);
if (wcols.length) {
  console.log('\nWebCrypto for comparison: us per operation (MB/s); one at a time / 64 in flight');
  for (const c of wcols) console.log(`  ${c.padEnd(20)} ${results[c].host} | load ${results[c].load}`);
  console.log(`  ${''.padEnd(30)}` + wcols.map((c) => pad(c, 34)).join(''));
  for (const size of ['32768', '4096']) {
    for (const op of ['encrypt', 'decrypt']) {
      console.log(`  ${`AES-256-GCM ${op} ${Number(size) / 1024} KiB`.padEnd(30)}` + wcols.map((c) => {
        const a = results[c].webcrypto.aes_gcm[size];
        const one = a[`${op}_us`], many = a[`${op}_inflight_us`];
        return pad(`${one.toFixed(1)} (${(Number(size) / one).toFixed(0)}) / ${many.toFixed(1)} (${(Number(size) / many).toFixed(0)})`, 34);
      }).join(''));
    }
  }
  console.log(`  ${'getRandomValues(24 bytes), us'.padEnd(30)}` + wcols.map((c) => pad(results[c].webcrypto.random24_us.toFixed(2), 34)).join(''));
  console.log(`  ${'PBKDF2-SHA256 600k iter., ms'.padEnd(30)}` + wcols.map((c) => pad(f1(results[c].webcrypto.pbkdf2_600k_ms), 34)).join(''));
  console.log(`  ${'tampered ciphertext'.padEnd(30)}` + wcols.map((c) => pad(results[c].webcrypto.tamper_detected ? 'rejected' : 'NOT DETECTED', 34)).join(''));
}
fs.mkdirSync(path.dirname(jsonOut), { recursive: true });
fs.writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, results, cold, coldLoad }, null, 2));
console.log(`\nraw figures: ${path.relative(ROOT, jsonOut)}`);
