// tests/web/serve.test.mjs — parley-serve (tools/serve) over real loopback HTTP.
//
// Starts the built binary (PARLEY_SERVE_BIN, default build/native-debug/tools/serve/
// parley-serve; missing = failure) on a free port with --root at a temporary directory,
// and checks: MIME types and cache headers, ETag revalidation, the health endpoint, JSON
// 404s under /api/, refusal of directory traversal (raw request targets, not normalised
// by a client), dot-files and symlinks out of the root, HEAD, query strings kept out of
// the log, and a clean stop on SIGTERM and SIGINT with a keep-alive connection open.
//
// Run: node --test tests/web/
import { test, describe, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServe, tempDir, versionWasm } from './support.mjs';

// A request exactly as given: node:http sends the path verbatim ("/../x" stays).
function raw(url, reqPath, { method = 'GET', headers = {}, agent = false } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: reqPath, method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const FILES = {
  'index.html': '<!doctype html><title>t</title>',
  'parley.js': 'document.title = "booted";',
  'parley.wasm': versionWasm(1),
  'sw.js': 'self.addEventListener("fetch", () => {});',
  'manifest.webmanifest': '{"name":"Parley"}',
  'icon-192.png': Buffer.from('89504e470d0a1a0a', 'hex'),
  'data.json': '{}',
  'style.css': 'body{}',
  'notes.unknownext': 'x',
  'sub/index.html': '<p>sub</p>',
  '.secret': 'dot-file',
};

describe('parley-serve', () => {
  let tmp, root, server, setupError;

  // A failed set-up (no server binary, say) fails every test, not zero of them.
  beforeEach(() => { if (setupError) throw setupError; });
  before(async () => { try { await setUp(); } catch (e) { setupError = e; } });
  async function setUp() {
    tmp = tempDir('serve');
    root = path.join(tmp, 'root');
    for (const [name, data] of Object.entries(FILES)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), data);
    }
    fs.writeFileSync(path.join(tmp, 'outside.txt'), 'OUTSIDE-THE-ROOT');
    fs.symlinkSync(path.join(tmp, 'outside.txt'), path.join(root, 'escape.txt'));
    server = await startServe(root);
  }

  after(async () => {
    if (server) await server.stop('SIGKILL').catch(() => {});
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const TYPES = [
    ['/', 'text/html'],
    ['/index.html', 'text/html'],
    ['/parley.js', 'text/javascript'],
    ['/sw.js', 'text/javascript'],
    ['/parley.wasm', 'application/wasm'],
    ['/manifest.webmanifest', 'application/manifest+json'],
    ['/icon-192.png', 'image/png'],
    ['/data.json', 'application/json'],
    ['/style.css', 'text/css'],
    ['/notes.unknownext', 'application/octet-stream'],
    ['/sub/', 'text/html'],
  ];
  for (const [p, type] of TYPES) {
    test(`GET ${p} is 200 ${type}`, async () => {
      const res = await raw(server.url, p);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'].split(';')[0], type);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    });
  }

  test('serves the bytes of the file', async () => {
    const res = await raw(server.url, '/parley.wasm');
    assert.deepEqual(res.body, versionWasm(1));
    assert.equal((await raw(server.url, '/')).body.toString(), FILES['index.html']);
  });

  test('the shell, the worker and the emcc output are no-cache; icons may be cached', async () => {
    for (const p of ['/', '/index.html', '/sw.js', '/parley.js', '/parley.wasm']) {
      assert.equal((await raw(server.url, p)).headers['cache-control'], 'no-cache', p);
    }
    assert.match((await raw(server.url, '/icon-192.png')).headers['cache-control'], /max-age=\d+/);
  });

  test('an ETag revalidates to 304 with no body', async () => {
    const first = await raw(server.url, '/parley.js');
    assert.ok(first.headers.etag, 'ETag header');
    const again = await raw(server.url, '/parley.js', { headers: { 'If-None-Match': first.headers.etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  test('GET /api/health answers {"ok":true}', async () => {
    const res = await raw(server.url, '/api/health');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'].split(';')[0], 'application/json');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(res.body), { ok: true });
  });

  for (const [method, p] of [['GET', '/api/x'], ['GET', '/api/'], ['GET', '/api'], ['POST', '/api/x'], ['GET', '/api/health/more']]) {
    test(`${method} ${p} is a JSON 404`, async () => {
      const res = await raw(server.url, p, { method, headers: method === 'POST' ? { 'Content-Length': '0' } : {} });
      assert.equal(res.status, 404);
      assert.equal(res.headers['content-type'].split(';')[0], 'application/json');
      const body = JSON.parse(res.body);
      assert.equal(body.ok, false);
      assert.equal(typeof body.error, 'string');
    });
  }

  test('a missing file is 404', async () => {
    assert.equal((await raw(server.url, '/nothing.js')).status, 404);
    assert.equal((await raw(server.url, '/sub')).status, 404); // a directory without its slash
  });

  const ESCAPES = [
    '/../etc/passwd',
    '/../../../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/sub/../../outside.txt',
    '/..%2foutside.txt',
    '/../outside.txt',
    '/escape.txt', // symlink out of the root
    '/.secret', // dot-file
    '//etc/passwd',
    '/a%00b',
  ];
  for (const p of ESCAPES) {
    test(`no way out of the root: GET ${p} is 400/404`, async () => {
      const res = await raw(server.url, p);
      assert.ok(res.status === 400 || res.status === 404, `status ${res.status}`);
      const text = res.body.toString();
      assert.ok(!text.includes('OUTSIDE-THE-ROOT') && !text.includes('root:') && !text.includes('dot-file'), text);
    });
  }

  test('HEAD gives the headers of GET and no body', async () => {
    const get = await raw(server.url, '/parley.wasm');
    const head = await raw(server.url, '/parley.wasm', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-type'], 'application/wasm');
    assert.equal(head.headers['content-length'], String(get.body.length));
    assert.equal(head.body.length, 0);
    assert.equal((await raw(server.url, '/api/health', { method: 'HEAD' })).status, 200);
    assert.equal((await raw(server.url, '/nothing', { method: 'HEAD' })).status, 404);
  });

  test('other methods on files are 405', async () => {
    const res = await raw(server.url, '/index.html', { method: 'POST', headers: { 'Content-Length': '0' } });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
  });

  test('one log line per request, without the query string', async () => {
    await raw(server.url, '/index.html?token=SECRET-QUERY&x=1');
    await new Promise((r) => setTimeout(r, 200));
    const lines = server.log().split('\n').filter((l) => / GET \/index\.html /.test(l));
    assert.ok(lines.length >= 1, server.log());
    assert.ok(!server.log().includes('SECRET-QUERY'), 'query string in the log');
    assert.match(lines.at(-1), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z GET \/index\.html 200 \d+$/);
  });
});

describe('parley-serve stops gracefully', () => {
  for (const sig of ['SIGTERM', 'SIGINT']) {
    test(`on ${sig}, with a keep-alive connection open`, async () => {
      const tmp = tempDir('serve-stop');
      const agent = new http.Agent({ keepAlive: true });
      let server;
      try {
        fs.writeFileSync(path.join(tmp, 'index.html'), 'x');
        server = await startServe(tmp);
        assert.equal((await raw(server.url, '/', { agent })).status, 200);
        const { code, signal, ms } = await server.stop(sig);
        assert.equal(signal, null, `killed by ${signal}:\n${server.log()}`);
        assert.equal(code, 0, server.log());
        assert.ok(ms < 5000, `took ${ms} ms`);
        assert.match(server.log(), /stopped\n$/);
        await assert.rejects(raw(server.url, '/'), 'still accepting connections after stopping');
      } finally {
        agent.destroy();
        if (server) await server.stop('SIGKILL').catch(() => {});
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});
