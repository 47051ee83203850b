import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createJournalStore, createReceiver, createTracker, generateStream } from 'mluvii-state';
import { createEventStreamHub } from '../src/adapters/http/eventStream.js';
import { startServer } from '../src/adapters/http/startServer.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mluvii-server-limits-'));
const { lines } = generateStream({ seed: 4, sessions: 60 });
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A raw HTTP exchange on its own socket: what the client wrote, and all it got back until the server closed or `ms` passed. */
function raw(port: number, text: string, ms = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.on('data', (c: Buffer) => { got += c.toString(); });
    const done = () => { clearTimeout(timer); socket.destroy(); resolve(got); };
    const timer = setTimeout(done, ms);
    socket.on('close', done).on('error', done);
  });
}

async function started(options: Parameters<typeof createReceiver>[0] extends infer O ? Partial<O> : never = {}, limits = {}) {
  const tracker = createTracker();
  const receiver = createReceiver({ tracker, webhookUser: 'mluvii', webhookPassword: 's3cret', readToken: 'reader', maxBodyBytes: 4096, ...options });
  const server = await startServer((r) => receiver.handle(r), '127.0.0.1', 0, limits);
  return { tracker, receiver, server, port: server.address.port };
}

describe('receiver security', () => {
  it('refuses blank secrets at start', () => {
    const tracker = createTracker();
    expect(() => createReceiver({ tracker, webhookUser: '', webhookPassword: '', readToken: 'r' })).toThrow(/empty/);
    expect(() => createReceiver({ tracker, webhookUser: 'u', webhookPassword: '  ', readToken: 'r' })).toThrow(/empty/);
    expect(() => createReceiver({ tracker, webhookToken: 't', readToken: '' })).toThrow(/empty/);
  });

  it('takes the auth scheme case-insensitively, routes on the path whatever the Host header says, and keeps only plain request ids', async () => {
    const { server, port, receiver } = await started();
    for (const scheme of ['Basic', 'basic', 'BASIC']) {
      const reply = await raw(port, `POST /webhooks/mluvii HTTP/1.1\r\nhost: x\r\nauthorization: ${basic('mluvii', 's3cret').replace('Basic', scheme)}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(lines[0]!)}\r\nconnection: close\r\n\r\n${lines[0]}`);
      expect(reply).toMatch(/^HTTP\/1.1 200/);
    }
    expect(await raw(port, 'GET /sessions HTTP/1.1\r\nhost: x\r\nauthorization: bearer reader\r\nconnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 200/);
    // A Host header that holds a path does not route the request elsewhere.
    expect(await raw(port, 'GET /sessions HTTP/1.1\r\nhost: localhost/health?\r\nconnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 401/);
    const ids = await raw(port, `GET /health HTTP/1.1\r\nhost: x\r\nx-request-id: ${'a'.repeat(300)}\r\nconnection: close\r\n\r\n`);
    expect(ids).not.toContain('a'.repeat(65));
    expect(await raw(port, 'GET /health HTTP/1.1\r\nhost: x\r\nx-request-id: abc-123\r\nconnection: close\r\n\r\n')).toContain('x-request-id: abc-123');
    receiver.close();
    await server.stop(0);
  });
});

describe('metrics under invented event types', () => {
  it('gives at most maxUnknownEventTypes their own series; the rest share event_type="(other)"', async () => {
    const tracker = createTracker();
    const receiver = createReceiver({ tracker, insecureNoAuth: true, maxUnknownEventTypes: 5 });
    for (let i = 0; i < 40; i++) {
      const response = await receiver.handle(new Request('http://localhost/webhooks/mluvii', { method: 'POST', body: JSON.stringify({ eventType: `Invented${i}`, data: {} }) }));
      expect(response.status).toBe(200);
    }
    const metrics = await (await receiver.handle(new Request('http://localhost/metrics'))).text();
    const series = metrics.split('\n').filter((line) => line.startsWith('mluvii_state_events_ingested_total{'));
    expect(series).toHaveLength(6);
    expect(metrics).toContain('mluvii_state_events_ingested_total{event_type="(other)",outcome="unknown"} 35');
    receiver.close();
  });
});

describe('connection limits', () => {
  it('closes connections beyond the per-address cap and keeps answering', async () => {
    const { server, port, receiver } = await started({}, { maxConnectionsPerAddress: 5 });
    const sockets: Socket[] = [];
    const closed: boolean[] = [];
    for (let i = 0; i < 12; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const index = i;
      closed[index] = false;
      socket.on('close', () => { closed[index] = true; });
      socket.write('GET /health HTTP/1.1\r\nhost: x\r\n'); // headers never finished
      sockets.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed.filter((c) => c)).toHaveLength(7);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await raw(port, 'GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 200/);
    receiver.close();
    await server.stop(0);
  });

  it('drops an /events client that stops reading once its queue passes the bound, and keeps one that reads', async () => {
    const hub = createEventStreamHub({ maxBufferedBytes: 64 * 1024, maxClients: 3 });
    const stalled = hub.open(); // its body is never read
    const reading = hub.open().body!.getReader();
    let received = 0;
    void (async () => { for (;;) { const { done, value } = await reading.read(); if (done) return; received += value.byteLength; } })();
    const notice = { type: 'state-changed', stream: `session:${'1'.repeat(200)}`, position: 1 } as const;
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 0; i < 50; i++) hub.publish(notice);
      await new Promise((resolve) => setTimeout(resolve, 30)); // past a flush
    }
    expect(stalled.status).toBe(200);
    expect(hub.dropped).toBe(1);
    expect(hub.clients).toBe(1);
    expect(received).toBeGreaterThan(64 * 1024);
    // The cap on clients: a fourth is refused with 503 while three are connected.
    hub.open();
    hub.open();
    expect(hub.open().status).toBe(503);
    hub.close();
  });

  it('after a 413 the connection is closed cleanly, and the next webhook on a keep-alive agent goes through', async () => {
    const { server, port, receiver } = await started();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string) => new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/webhooks/mluvii', agent, headers: { authorization: basic('mluvii', 's3cret'), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const big = await post(`{"eventType":"X","data":{"pad":"${'x'.repeat(20_000)}"}}`);
    expect(big).toEqual({ status: 413, connection: 'close' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await post(lines[0]!)).status).toBe(200);
    agent.destroy();
    receiver.close();
    await server.stop(0);
  });
});

describe('mluvii-state serve --insecure-no-auth', () => {
  it('warns loudly when it listens beyond loopback', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--host', '0.0.0.0', '--insecure-no-auth'], { cwd: root, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    await new Promise<void>((resolve) => child.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('"port"')) resolve(); }));
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(err).toContain('WARNING: --insecure-no-auth on 0.0.0.0');
  });
});

/** `mluvii-state serve` on a journal with credentials, on a free port; `output()` is its stdout so far. */
async function serveOn(journal: string, extra: string[]) {
  const env = { PATH: process.env.PATH, MLUVII_STATE_WEBHOOK_USER: 'mluvii', MLUVII_STATE_WEBHOOK_PASSWORD: 's3cret', MLUVII_STATE_READ_TOKEN: 'reader' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--store', journal, ...extra], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolve) => child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const match = /"port":(\d+)/.exec(out);
    if (match !== null) resolve(Number(match[1]));
  }));
  return { child, port, output: () => out };
}

describe('mluvii-state serve --snapshot-every', () => {
  it('writes snapshots while it runs, so a restart after kill -9 re-folds only what came after', async () => {
    const journal = join(dir, 'periodic.journal');
    const { child, port } = await serveOn(journal, ['--snapshot-every', '1']);
    const auth = basic('mluvii', 's3cret');
    for (const line of lines.slice(0, 30)) await fetch(`http://127.0.0.1:${port}/webhooks/mluvii`, { method: 'POST', body: line, headers: { authorization: auth } });
    while (!existsSync(`${journal}.snapshot`)) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1200)); // a snapshot taken after the 30 posts
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const reopened = await createJournalStore({ path: journal });
    expect(reopened.snapshot?.position).toBe(30);
    await reopened.close();
  });
});

describe('mluvii-state serve shutdown', () => {
  it('ends within the grace period despite a slow sender, a stalled /events reader and a 413, and writes its snapshot', async () => {
    const journal = join(dir, 'shutdown.journal');
    const { child, port, output } = await serveOn(journal, ['--shutdown-grace', '1']);
    const auth = basic('mluvii', 's3cret');
    for (const line of lines.slice(0, 10)) await fetch(`http://127.0.0.1:${port}/webhooks/mluvii`, { method: 'POST', body: line, headers: { authorization: auth } });
    // A sender trickling its headers, one trickling its body, a reader that never reads, and a 413.
    const slowHeaders = connect(port, '127.0.0.1');
    slowHeaders.write('POST /webhooks/mluvii HTTP/1.1\r\nhost: x\r\n');
    const slowBody = connect(port, '127.0.0.1');
    slowBody.write(`POST /webhooks/mluvii HTTP/1.1\r\nhost: x\r\nauthorization: ${auth}\r\ncontent-length: 500\r\n\r\n{"eventType"`);
    const reader = connect(port, '127.0.0.1');
    reader.write('GET /events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer reader\r\n\r\n');
    reader.pause();
    await raw(port, `POST /webhooks/mluvii HTTP/1.1\r\nhost: x\r\nauthorization: ${auth}\r\ncontent-length: 5000000\r\n\r\n{"eventType"`, 300);
    for (const s of [slowHeaders, slowBody, reader]) s.on('error', () => undefined);
    const trickle = setInterval(() => { slowHeaders.write('x'); slowBody.write(' '); }, 200);
    await new Promise((resolve) => setTimeout(resolve, 200));

    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    clearInterval(trickle);
    for (const s of [slowHeaders, slowBody, reader]) s.destroy();
    expect(code).toBe(0);
    expect(output()).toContain('"msg":"stopped"');
    expect(existsSync(`${journal}.snapshot`)).toBe(true);
  });
});
