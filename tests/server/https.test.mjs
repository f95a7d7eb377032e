// tests/server/https.test.mjs — parley-server over HTTPS (--cert/--key): a tablet on the
// office network needs a secure context for the service worker. The certificate in
// tests/fixtures/tls/ is a synthetic self-signed one for localhost/127.0.0.1, made for
// this test only (openssl req -x509 ... -subj /CN=localhost), trusted here as its own CA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const SERVER_BIN = process.env.PARLEY_SERVER_BIN || path.join(ROOT, 'build/native-debug/tools/server/parley-server');
const TLS = path.join(ROOT, 'tests/fixtures/tls');
const CA = fs.readFileSync(path.join(TLS, 'localhost.crt'));

function start(args) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-https-'));
  const proc = spawn(SERVER_BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--demo', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20000);
    proc.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on (https?):\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); resolve({ scheme: m[1], port: Number(m[2]) }); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); resolve({ exited: code, log }); });
  });
  const stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) { fs.rmSync(data, { recursive: true, force: true }); return resolve(); }
    proc.on('exit', () => { fs.rmSync(data, { recursive: true, force: true }); resolve(); });
    proc.kill('SIGTERM');
  });
  return { ready, stop };
}

function request(mod, options, body) {
  return new Promise((resolve, reject) => {
    const req = mod.request(options, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

test('with --cert and --key the API is served over HTTPS, and sign-in works over it', async () => {
  const srv = start(['--cert', path.join(TLS, 'localhost.crt'), '--key', path.join(TLS, 'localhost.key')]);
  try {
    const at = await srv.ready;
    assert.equal(at.scheme, 'https', `the server says where it listens: ${JSON.stringify(at)}`);
    const base = { host: '127.0.0.1', port: at.port, ca: CA, servername: 'localhost' };
    const health = await request(https, { ...base, path: '/api/health' });
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.text).ok, true);
    const body = JSON.stringify({ username: 'asc-practitioner', password: 'parley-demo-2026', device: 'dev-https-test-0001', device_name: 'test' });
    const login = await request(https, { ...base, method: 'POST', path: '/api/login',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, body);
    assert.equal(login.status, 200, login.text);
    const { token } = JSON.parse(login.text);
    const pull = await request(https, { ...base, path: '/api/pull?cursor=0', headers: { Authorization: `Bearer ${token}` } });
    assert.equal(pull.status, 200);
    assert.deepEqual(JSON.parse(pull.text).bundles, []);
    // Plain HTTP to the HTTPS port gets no API answer.
    const plain = await request(http, { host: '127.0.0.1', port: at.port, path: '/api/health' }).catch((e) => ({ error: e.code }));
    assert.ok(plain.error || plain.status !== 200, `plain HTTP answered: ${JSON.stringify(plain)}`);
  } finally {
    await srv.stop();
  }
});

test('a certificate without its key, or files that are not PEM, stop the server with a clear message', async () => {
  const alone = start(['--cert', path.join(TLS, 'localhost.crt')]);
  const a = await alone.ready;
  await alone.stop();
  assert.notEqual(a.exited, undefined, 'the server must not start with --cert alone');
  assert.match(a.log, /--cert and --key go together/);

  const bad = start(['--cert', path.join(TLS, 'localhost.key'), '--key', path.join(TLS, 'localhost.crt')]);
  const b = await bad.ready;
  await bad.stop();
  assert.notEqual(b.exited, undefined, 'the server must not start with the files swapped');
  assert.match(b.log, /cannot load the certificate or key/);
});
