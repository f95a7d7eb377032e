// tests/web/support.mjs — shared by the web tests: start and stop parley-serve, stage a
// site with tools/stage_web.py (the same script the build uses), and write a dummy app.
//
// The server binary comes from PARLEY_SERVE_BIN, default
// build/native-debug/tools/serve/parley-serve (what tools/test builds). A missing binary
// is an error, never a skip: these tests exist to check it.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PUBLIC_DIR = path.join(ROOT, 'public');
export const SERVE_BIN = path.resolve(ROOT, process.env.PARLEY_SERVE_BIN
  || path.join('build', 'native-debug', 'tools', 'serve', 'parley-serve'));

export function serveBinOrThrow() {
  if (!fs.existsSync(SERVE_BIN)) {
    throw new Error(`parley-serve not found at ${SERVE_BIN}: build it first `
      + '(cmake --build --preset native-debug --target parley-serve) or set PARLEY_SERVE_BIN');
  }
  return SERVE_BIN;
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `parley-${prefix}-`));
}

// Starts parley-serve on a free loopback port (port 0; the URL is read from its
// "listening on" line). Resolves to { url, child, log(), stop(signal) }.
export function startServe(root, { timeoutMs = 15000 } = {}) {
  const bin = serveBinOrThrow();
  const child = spawn(bin, ['--root', root, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let started = false;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley-serve did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`parley-serve exited (code ${code}, signal ${signal}) before listening:\n${stderr}`));
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = !started && /listening on (http:\/\/\S+?)\/? /.exec(stderr);
      if (m) {
        started = true;
        clearTimeout(timer);
        resolve({
          url: `${m[1]}/`,
          child,
          log: () => stderr,
          // Sends the signal and resolves to { code, signal, ms } once the process ended.
          async stop(sig = 'SIGTERM', waitMs = 10000) {
            const t0 = Date.now();
            if (child.exitCode === null && child.signalCode === null) child.kill(sig);
            let timer;
            const result = await Promise.race([
              exited,
              new Promise((r) => { timer = setTimeout(() => r(null), waitMs); }),
            ]);
            clearTimeout(timer);
            if (!result) {
              child.kill('SIGKILL');
              throw new Error(`parley-serve did not stop within ${waitMs} ms after ${sig}:\n${stderr}`);
            }
            return { ...result, ms: Date.now() - t0 };
          },
        });
      }
    });
  });
}

// Runs tools/stage_web.py exactly as the build does; returns the build id it prints.
export function stageSite({ publicDir = PUBLIC_DIR, appDir, outDir, label }) {
  const args = [path.join(ROOT, 'tools', 'stage_web.py'), '--public', publicDir, '--app', appDir, '--out', outDir];
  if (label) args.push('--label', label);
  return execFileSync('python3', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// A wasm module exporting v() -> version (0..63): lets the dummy app check that the
// parley.wasm it got belongs to its own parley.js.
export function versionWasm(version) {
  if (!(version >= 0 && version < 64)) throw new Error('version must be 0..63');
  return Buffer.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
    0x03, 0x02, 0x01, 0x00, // function 0 has type 0
    0x07, 0x05, 0x01, 0x01, 0x76, 0x00, 0x00, // export "v" = function 0
    0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, version, 0x0b, // body: i32.const version
  ]);
}

// Writes a stand-in for the emcc output into dir: parley.js instantiates parley.wasm
// (streaming, so the MIME type matters), checks the pair matches, draws on the canvas,
// hides the loading message like the real bridge, and sets the title to "booted".
export function writeDummyApp(dir, version) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'parley.wasm'), versionWasm(version));
  fs.writeFileSync(path.join(dir, 'parley.js'), `// dummy parley.js (tests/web/support.mjs)
(function () {
  var VERSION = ${version};
  window.parleyDummyVersion = VERSION;
  WebAssembly.instantiateStreaming(fetch('parley.wasm')).then(function (r) {
    var got = r.instance.exports.v();
    if (got !== VERSION) { document.title = 'mismatch: js ' + VERSION + ', wasm ' + got; return; }
    var c = Module.canvas, dpr = window.devicePixelRatio || 1;
    c.width = Math.round(c.clientWidth * dpr); c.height = Math.round(c.clientHeight * dpr);
    var g = c.getContext('2d');
    g.scale(dpr, dpr);
    g.fillStyle = '#1b1f24'; g.fillRect(0, 0, c.clientWidth, c.clientHeight);
    g.fillStyle = '#2b3a4a'; g.fillRect(40, 40, 420, 220);
    g.fillStyle = '#3d7ea6'; g.fillRect(40, 40, 420, 28);
    g.fillStyle = '#f5f8fa'; g.font = '16px sans-serif';
    g.fillText('Dummy app, version ' + VERSION, 52, 60);
    g.fillText('The real parley.js draws Dear ImGui here.', 52, 110);
    parleyShell.ready();
    document.title = 'booted';
  }, function (e) { document.title = 'wasm failed: ' + e; });
})();
`);
}
