// bench/sync_proxy.mjs — a tiny counting TCP proxy (node:net), put in front of each server
// by bench/sync_bench.mjs so both systems' traffic is counted the same way.
//
// Bytes are exactly what crosses the client <-> server TCP connections, both ways: request
// and status lines, headers and bodies (nothing is re-serialised). Requests are counted by
// a small HTTP/1.1 request framer on the client -> server stream (request line, headers,
// then a Content-Length or chunked body). Response encodings are noted from the
// server -> client stream's Content-Encoding headers.
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';

// Counts HTTP/1.1 requests in a byte stream.
function requestCounter(onRequest) {
  let buf = Buffer.alloc(0);
  let state = 'head', need = 0; // body: need bytes; chunk: reading chunked body
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (state === 'head') {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        onRequest();
        const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) state = 'chunksize';
        else if (cl && Number(cl[1]) > 0) { state = 'body'; need = Number(cl[1]); }
      } else if (state === 'body') {
        const take = Math.min(need, buf.length);
        buf = buf.subarray(take); need -= take;
        if (need > 0) return;
        state = 'head';
      } else if (state === 'chunksize') {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const size = parseInt(buf.subarray(0, eol).toString('latin1'), 16);
        buf = buf.subarray(eol + 2);
        if (size === 0) state = 'trailer';
        else { state = 'chunk'; need = size + 2; }
      } else if (state === 'chunk') {
        const take = Math.min(need, buf.length);
        buf = buf.subarray(take); need -= take;
        if (need > 0) return;
        state = 'chunksize';
      } else if (state === 'trailer') {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const empty = eol === 0;
        buf = buf.subarray(eol + 2);
        if (empty) state = 'head';
      }
    }
  };
}

export async function startCountingProxy(targetPort, targetHost = '127.0.0.1') {
  let up = 0, down = 0, requests = 0;
  const encodings = new Set();
  const live = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    live.add(client); live.add(upstream);
    const count = requestCounter(() => { requests++; });
    client.on('data', (d) => { up += d.length; count(d); if (!upstream.write(d)) client.pause(); });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (d) => {
      down += d.length;
      const m = d.toString('latin1').match(/\r\ncontent-encoding:\s*([\w-]+)/gi);
      if (m) for (const x of m) encodings.add(x.split(':')[1].trim().toLowerCase());
      if (!client.write(d)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    const close = () => { client.destroy(); upstream.destroy(); live.delete(client); live.delete(upstream); };
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', close); upstream.on('error', close);
    client.on('close', close); upstream.on('close', close);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    // {up: client->server bytes, down: server->client bytes, requests}
    snapshot: () => ({ up, down, requests }),
    encodings,
    async close() {
      for (const s of live) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function diff(a, b) {
  return { up: b.up - a.up, down: b.down - a.down, bytes: b.up - a.up + b.down - a.down, requests: b.requests - a.requests };
}

// Minimal JSON-over-HTTP client with keep-alive (used by the raw CouchDB and Parley
// clients). Advertises gzip like pouchdb-node's fetch does; decodes what comes back.
export function jsonClient(baseUrl, { headers = {} } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const u = new URL(baseUrl);
  const request = (method, p, body, extraHeaders = {}) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      const h = { Accept: 'application/json', 'Accept-Encoding': 'gzip,deflate', ...headers, ...extraHeaders };
      for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
      if (data) { h['Content-Type'] = 'application/json'; h['Content-Length'] = data.length; }
      const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers: h, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          let buf = Buffer.concat(chunks);
          const enc = res.headers['content-encoding'];
          if (enc === 'gzip') buf = zlib.gunzipSync(buf);
          else if (enc === 'deflate') buf = zlib.inflateSync(buf);
          else if (enc === 'br') buf = zlib.brotliDecompressSync(buf);
          const text = buf.toString('utf8');
          let json;
          try { json = text ? JSON.parse(text) : null; } catch { json = null; }
          if (res.statusCode >= 400) {
            const err = new Error(`${method} ${p}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
            err.status = res.statusCode; err.body = json;
            reject(err);
          } else resolve(json);
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (data) req.end(data); else req.end();
    });
  return {
    get: (p, h) => request('GET', p, undefined, h),
    post: (p, body, h) => request('POST', p, body, h),
    put: (p, body, h) => request('PUT', p, body, h),
    setHeader(k, v) { headers[k] = v; },
    close() { agent.destroy(); },
  };
}
