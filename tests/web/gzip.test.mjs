// tests/web/gzip.test.mjs — parley.wasm goes out gzip-compressed to a browser that accepts
// it (the staged parley.wasm.gz; sync/static_files.cpp), raw to one that does not, and
// never as a stale copy when parley.wasm was replaced after staging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServe, tempDir } from './support.mjs';

function get(url, headers) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

test('parley.wasm: gzip when accepted, raw otherwise, never a stale gzip copy', async () => {
  const root = tempDir('gzip');
  const wasm = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.alloc(50000, 7)]);
  fs.writeFileSync(path.join(root, 'parley.wasm'), wasm);
  fs.writeFileSync(path.join(root, 'parley.wasm.gz'), zlib.gzipSync(wasm, { level: 9 }));
  const srv = await startServe(root);
  try {
    const zipped = await get(srv.url + 'parley.wasm', { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers['content-type'], 'application/wasm');
    assert.match(zipped.headers.vary || '', /Accept-Encoding/);
    assert.ok(zipped.body.length < wasm.length / 10, `sent ${zipped.body.length} bytes`);
    assert.deepEqual(zlib.gunzipSync(zipped.body), wasm);

    const plain = await get(srv.url + 'parley.wasm', {});
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.body, wasm);
    const refused = await get(srv.url + 'parley.wasm', { 'Accept-Encoding': 'gzip;q=0, br' });
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.notEqual(refused.headers.etag, zipped.headers.etag, 'the two encodings have different ETags');

    // parley.wasm replaced by hand after staging: the old .gz must not be sent for it.
    const replaced = Buffer.concat([wasm.subarray(0, 8), Buffer.alloc(50000, 9)]);
    await new Promise((r) => setTimeout(r, 20));
    fs.writeFileSync(path.join(root, 'parley.wasm'), replaced);
    const fresh = await get(srv.url + 'parley.wasm', { 'Accept-Encoding': 'gzip' });
    assert.equal(fresh.headers['content-encoding'], undefined);
    assert.deepEqual(fresh.body, replaced);
  } finally {
    await srv.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
