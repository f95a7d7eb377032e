// tests/sync/campaign_proxy.mjs — the chaos proxy of the fault campaign (campaign.test.mjs).
//
// One proxy sits between one device (a `parley` CLI database) and the real parley-server.
// It is an HTTP proxy: it reads each whole request, then decides its fate from its own
// seeded random stream (so the sequence of decisions replays from the seed):
//   drop       the request never reaches the server (the client sees a dropped connection)
//   cutreq     the server gets a request whose body stops half way, then the connection
//              closes (the server must store nothing); the client sees a dropped connection
//   lostack    the server acts and answers, the client never hears (its socket is closed)
//   cutres     the client gets the status line, headers and half the body, then a close
//   dup        the request reaches the server twice (at once, or one after the other); the
//              client gets one of the two answers
//   delay      the answer is held for a while, so answers to other devices pass it
//   replay     besides this request, an older push of this device is sent again to the
//              server (a stale duplicate that arrives after newer pushes); answer discarded
// plus "offline" (every connection is closed at once) while the campaign has the device
// offline, and a hook on each push so the campaign can SIGKILL the server mid-request.
// With chaos off the proxy forwards faithfully.
import http from 'node:http';

export const FAULTS = ['drop', 'cutreq', 'lostack', 'cutres', 'dup', 'delay', 'replay'];

// A small, fast, seedable generator (sfc32), plus helpers.
export function makeRng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  const rng = () => next();
  rng.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));   // inclusive
  rng.pick = (xs) => xs[Math.floor(next() * xs.length)];
  rng.chance = (p) => next() < p;
  return rng;
}

export class ChaosProxy {
  // name: the device; target: {host, port} of the server; rng: this proxy's stream;
  // probs: per-request probability of each fault; stats: shared counters object;
  // onPush(info): called when a push is about to be forwarded (the campaign may kill the
  // server); info = {device, eventIds}.
  constructor({ name, target, rng, probs, stats, onPush }) {
    Object.assign(this, { name, target, rng, probs, stats, onPush });
    this.chaos = false;
    this.offline = false;
    this.pastPushes = [];   // {headers, body} of pushes seen, for stale replays
    this.pushLog = null;   // shared array of {device, ids, state: flight|ok|refused|error}
    this.acked = null;     // shared Set of event ids a push answer acknowledged
    this.fakeAcks = false; // self-test: answer some pushes with acks for nothing stored
    this.pushesSeen = 0;
    this.epoch = null;
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = this.server.address().port;
      this.url = `http://127.0.0.1:${this.port}`;
      resolve(this.url);
    }));
  }

  close() {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.server.close(() => { clearTimeout(timer); resolve(); });
      this.server.closeAllConnections?.();
    });
  }

  count(key) { this.stats[key] = (this.stats[key] || 0) + 1; }

  // Decide once per request, always drawing the same number of values so that one
  // request's fate never shifts the stream of the next.
  decide(isPush) {
    const draws = FAULTS.map(() => this.rng());
    const delayMs = this.rng.int(30, 400);
    const dupTogether = this.rng.chance(0.5);
    const dupAnswerFirst = this.rng.chance(0.5);
    const replayPick = this.rng();
    const cutAt = this.rng();
    if (!this.chaos) return { fate: 'pass' };
    const p = this.probs;
    let fate = 'pass';
    // Mutually exclusive request/response fates, in a fixed order.
    if (draws[0] < p.drop) fate = 'drop';
    else if (draws[1] < p.cutreq) fate = 'cutreq';
    else if (draws[2] < p.lostack) fate = 'lostack';
    else if (draws[3] < p.cutres) fate = 'cutres';
    else if (draws[4] < p.dup) fate = 'dup';
    return {
      fate,
      delay: draws[5] < p.delay ? delayMs : 0,
      replay: isPush && draws[6] < p.replay && this.pastPushes.length > 0,
      dupTogether, dupAnswerFirst, replayPick, cutAt,
    };
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => this.route(req, res, Buffer.concat(chunks)).catch(() => res.socket?.destroy()));
  }

  async route(req, res, body) {
    const path = req.url;
    const isPush = req.method === 'POST' && path.startsWith('/api/push');
    this.count(`requests`);
    if (this.offline) {
      this.count('offline_refused');
      res.socket?.destroy();
      return;
    }
    const d = this.decide(isPush);
    const headers = { ...req.headers };
    delete headers.connection;
    headers.host = `${this.target.host}:${this.target.port}`;
    let eventIds = [];
    if (isPush) {
      try {
        const j = JSON.parse(body.toString('utf8'));
        for (const b of j.bundles || []) for (const e of b.events || []) eventIds.push(e.id);
      } catch { /* a body we cannot read is the server's business */ }
      if (d.replay) {
        const old = this.pastPushes[Math.floor(d.replayPick * this.pastPushes.length)];
        this.count('replayed');
        this.forward(req.method, path, old.headers, old.body, old.ids).catch(() => {});
      }
      this.pastPushes.push({ headers, body, ids: eventIds });
      if (this.pastPushes.length > 30) this.pastPushes.shift();
    }
    if (d.fate === 'drop') {
      this.count('dropped');
      res.socket?.destroy();
      return;
    }
    if (d.fate === 'cutreq') {
      this.count('cut_requests');
      this.forwardCut(req.method, path, headers, body, d.cutAt);
      res.socket?.destroy();
      return;
    }
    if (isPush && this.fakeAcks && this.chaos && this.epoch && ++this.pushesSeen % 5 === 0) {
      // Self-test only (PARLEY_CAMPAIGN_SELFTEST=fake-ack): acknowledge without storing, a
      // server that lies. The campaign must then report lost events.
      this.count('fake_acks');
      const out = Buffer.from(JSON.stringify({ epoch: this.epoch, acked: eventIds, added: eventIds.length }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(out.length), connection: 'close' });
      res.end(out);
      return;
    }
    if (isPush && this.onPush) await this.onPush({ device: this.name, eventIds });
    let answer;
    try {
      if (d.fate === 'dup') {
        this.count('duplicated');
        if (d.dupTogether) {
          const [r1, r2] = await Promise.allSettled([
            this.forward(req.method, path, headers, body, eventIds),
            this.forward(req.method, path, headers, body, eventIds)]);
          const pick = d.dupAnswerFirst ? [r1, r2] : [r2, r1];
          const ok = pick.find((r) => r.status === 'fulfilled');
          if (!ok) throw pick[0].reason;
          answer = ok.value;
        } else {
          const first = await this.forward(req.method, path, headers, body, eventIds);
          let second;
          try { second = await this.forward(req.method, path, headers, body, eventIds); } catch { second = null; }
          answer = d.dupAnswerFirst || !second ? first : second;
        }
      } else {
        answer = await this.forward(req.method, path, headers, body, eventIds);
      }
    } catch {
      this.count('upstream_failed');
      res.socket?.destroy();
      return;
    }
    if (d.delay) {
      this.count('delayed');
      await new Promise((r) => setTimeout(r, d.delay));
    }
    if (d.fate === 'lostack') {
      this.count('lost_acks');
      res.socket?.destroy();
      return;
    }
    const outHeaders = { 'content-type': answer.headers['content-type'] || 'application/json',
                         'content-length': String(answer.body.length), connection: 'close' };
    if (d.fate === 'cutres') {
      this.count('cut_responses');
      res.writeHead(answer.status, outHeaders);
      res.write(answer.body.subarray(0, Math.floor(answer.body.length * d.cutAt)));
      setTimeout(() => res.socket?.destroy(), 5);
      return;
    }
    res.writeHead(answer.status, outHeaders);
    res.end(answer.body);
  }

  // One request to the server; resolves {status, headers, body} or rejects on a network
  // error (server down, killed mid-request).
  forward(method, path, headers, body, ids = []) {
    return new Promise((resolve, reject) => {
      // Pushes are logged for the campaign: what was in flight when the server died, and
      // which event ids the server acknowledged.
      const entry = path.startsWith('/api/push') ? { device: this.name, ids, state: 'flight', t0: Date.now() } : null;
      if (entry && this.pushLog) this.pushLog.push(entry);
      const failed = (e) => { if (entry && entry.state === 'flight') entry.state = 'error'; reject(e); };
      const up = http.request({ host: this.target.host, port: this.target.port, method, path, headers, agent: false },
        (r) => {
          const parts = [];
          r.on('data', (c) => parts.push(c));
          r.on('end', () => {
            const body = Buffer.concat(parts);
            if (r.statusCode === 200 && !this.epoch) {
              try { this.epoch = JSON.parse(body.toString('utf8')).epoch; } catch { /* not JSON */ }
            }
            if (entry) {
              entry.state = r.statusCode === 200 ? 'ok' : 'refused';
              if (r.statusCode !== 200) {
                let code = '';
                try { code = JSON.parse(body.toString('utf8')).error.code; } catch { /* no JSON body */ }
                entry.status = r.statusCode;
                entry.code = code;
                this.count(`push_${r.statusCode}_${code || 'no_code'}`);
              }
              if (r.statusCode === 200 && this.acked) {
                try { for (const id of JSON.parse(body.toString('utf8')).acked || []) this.acked.add(id); } catch { /* not JSON */ }
              }
            }
            resolve({ status: r.statusCode, headers: r.headers, body });
          });
          r.on('error', failed);
        });
      up.setTimeout(20000, () => up.destroy(new Error('upstream timeout')));
      up.on('error', failed);
      up.end(body);
    });
  }

  // A request whose body stops part way: the full Content-Length is announced, then the
  // connection closes after part of the body.
  forwardCut(method, path, headers, body, cutAt) {
    const up = http.request({ host: this.target.host, port: this.target.port, method, path,
                              headers: { ...headers, 'content-length': String(body.length) }, agent: false });
    up.on('error', () => {});
    up.on('response', (r) => r.resume());
    up.write(body.subarray(0, Math.floor(body.length * cutAt * 0.9)));
    setTimeout(() => up.destroy(), 30);
  }
}
