// bench/sync_parley.mjs — the Parley side of bench/sync_bench.mjs: the real parley-server
// (docs/sync-protocol.md), driven over HTTP from node with parley-push batches and
// cursor-paged pulls. No local store on the device side (see bench/README.md).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { jsonClient } from './sync_proxy.mjs';

// Starts `parley-server serve --data DIR --listen 127.0.0.1:0 --demo`; resolves when it
// prints "listening on http://HOST:PORT" on stderr. Returns the port and every line it
// printed before that (the demo users and their passwords are among them).
export async function startParleyServer(bin, dataDir) {
  fs.mkdirSync(dataDir, { recursive: true });
  const child = spawn(bin, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`parley-server printed no "listening on" in 30 s:\n${text}`)), 30000);
    const onData = (d) => {
      text += d;
      const m = /listening on https?:\/\/[^\s:]+:(\d+)/.exec(text);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    };
    child.stderr.on('data', onData);
    child.stdout.on('data', onData);
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`parley-server exited (${code}):\n${text}`)); });
  });
  child.removeAllListeners('exit');
  // Keep draining its output so a full pipe never blocks it.
  child.stderr.on('data', () => {});
  child.stdout.on('data', () => {});
  return { port, child, banner: text, stop: () => child.kill('SIGTERM') };
}

// Demo credentials from the banner. PARLEY_BENCH_USER / PARLEY_BENCH_PASSWORD override.
export function demoCredentials(banner) {
  if (process.env.PARLEY_BENCH_USER) return [{ username: process.env.PARLEY_BENCH_USER, password: process.env.PARLEY_BENCH_PASSWORD || '' }];
  const found = [];
  for (const line of banner.split('\n')) {
    // parley-server --demo prints "  asc-practitioner   password demo   Demo Practitioner ..."
    let m = /^\s+([\w.@-]+)\s+password\s+(\S+)/.exec(line);
    if (!m) m = /user(?:name)?\W+([\w.@-]+).*?pass(?:word)?\W+(\S+)/i.exec(line);
    if (!m) m = /^\s*([\w.@-]+)\s*[/:]\s*(\S+)\s*(?:\(|$)/.exec(line);
    if (m) found.push({ username: m[1], password: m[2].replace(/[",;)]+$/, '') });
  }
  return found;
}

export async function signIn(baseUrl, creds, device) {
  const errors = [];
  for (const c of creds) {
    const client = jsonClient(baseUrl);
    try {
      const r = await client.post('/api/login', { username: c.username, password: c.password, device, device_name: `bench ${device}` });
      if (r.user && r.user.role === 'board') { errors.push(`${c.username}: Board role cannot open challenges`); client.close(); continue; }
      client.setHeader('Authorization', `Bearer ${r.token}`);
      return { client, token: r.token, epoch: r.epoch, user: r.user, device: r.device || device, username: c.username, password: c.password };
    } catch (e) {
      errors.push(`${c.username}: ${e.message}`);
      client.close();
    }
  }
  throw new Error(`could not sign in with any demo user (${errors.join('; ') || 'none found in the banner; set PARLEY_BENCH_USER/PASSWORD'})`);
}

// As sync/client.h batches: at most 2,000 events and 3 MiB per push (server limit 4 MiB).
const MAX_EVENTS = 2000;
const MAX_BODY = 3 * 1024 * 1024;

// A device session: push bundles in batches, pull pages by cursor.
export class ParleyDevice {
  constructor(session, proc) {
    this.s = session;
    this.proc = proc;
    this.cursor = '0';
    this.epoch = session.epoch;
    this.received = 0;
  }
  // Without the token, as the client engine sends it (health needs no authentication).
  async health() { return this.s.client.get('/api/health', { Authorization: undefined }); }
  // challenges: [{id, events}] — one bundle per challenge, batched under the limits.
  async push(challenges, maxEvents = MAX_EVENTS) {
    let batch = [], events = 0, bytes = 0, requests = 0, added = 0;
    const flush = async () => {
      if (!batch.length) return;
      const r = await this.s.client.post('/api/push', { format: 'parley-push', version: 1, epoch: this.epoch, bundles: batch });
      if (!Array.isArray(r.acked)) throw new Error(`push: no acked list: ${JSON.stringify(r).slice(0, 200)}`);
      this.epoch = r.epoch || this.epoch;
      added += r.added || 0;
      requests++;
      batch = []; events = 0; bytes = 0;
    };
    for (const c of challenges) {
      for (let i = 0; i < c.events.length; ) {
        let part = c.events.slice(i, i + (maxEvents - events));
        const size = part.reduce((n, e) => n + JSON.stringify(e).length + 1, 300);
        if (events > 0 && (events + part.length > maxEvents || bytes + size > MAX_BODY)) { await flush(); continue; }
        batch.push({ format: 'parley-bundle', version: 1, board: this.proc.board, procedure: this.proc.procedure, challenge: c.id, events: part });
        events += part.length; bytes += size; i += part.length;
        if (events >= maxEvents) await flush();
      }
    }
    await flush();
    return { added, requests };
  }
  // Pulls until `more` is false. Returns events received.
  async pull(limit = 1000) {
    let n = 0;
    for (;;) {
      const r = await this.s.client.get(`/api/pull?cursor=${encodeURIComponent(this.cursor)}&limit=${limit}`);
      for (const b of r.bundles) n += b.events.length;
      this.cursor = String(r.cursor);
      if (!r.more) break;
    }
    this.received += n;
    return n;
  }
  // One client round (sync/client.h): probe health, push the outbox (if any), pull.
  async round(outbox = [], limit = 1000) {
    await this.health();
    if (outbox.length) await this.push(outbox);
    return this.pull(limit);
  }
}
