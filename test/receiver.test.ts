import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createReceiver, createTracker, generateStream, createJournalStore, toNodeListener, type JournalStore, type Tracker } from 'mluvii-state';

const dir = mkdtempSync(join(tmpdir(), 'mluvii-receiver-'));
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = basic('mluvii', 's3cret');
const READ = 'Bearer reader-token';
const { lines } = generateStream({ seed: 8, sessions: 30 });

describe('webhook receiver over node:http', () => {
  let server: Server;
  let base: string;
  let store: JournalStore;
  let tracker: Tracker;

  beforeAll(async () => {
    store = await createJournalStore({ path: join(dir, 'receiver.journal') });
    tracker = createTracker({ store });
    const receiver = createReceiver({ tracker, webhookUser: 'mluvii', webhookPassword: 's3cret', webhookToken: 'tok', readToken: 'reader-token', maxBodyBytes: 64 * 1024 });
    server = createServer(toNodeListener((r) => receiver.handle(r))).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  const post = (body: string | Buffer, headers: Record<string, string> = { authorization: AUTH, 'content-type': 'application/json' }, path = '/webhooks/mluvii') =>
    fetch(`${base}${path}`, { method: 'POST', body, headers });

  it('rejects wrong or missing credentials with 401 and stores nothing', async () => {
    const before = store.read().length;
    expect((await post(lines[0]!, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(lines[0]!, { authorization: basic('mluvii', 'wrong'), 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(lines[0]!, { authorization: basic('other', 's3cret') })).status).toBe(401);
    expect((await post(lines[0]!, {}, '/webhooks/mluvii?token=nope')).status).toBe(401);
    expect(store.read().length).toBe(before);
  });

  it('stores every authenticated body before answering 2xx, bad ones too (dead-lettered)', async () => {
    for (const line of lines) {
      const response = await post(line);
      expect(response.status).toBe(200);
      const { position } = (await response.json()) as { position: number };
      expect(store.read().some((r) => r.position === position)).toBe(true);
    }
    const bad = await post('{"eventType": ');
    expect(bad.status).toBe(200);
    expect(await bad.json()).toMatchObject({ outcome: 'rejected' });
    expect((await post(lines[3]!, {}, '/webhooks/mluvii?token=tok')).status).toBe(200);
    expect(tracker.stats().rejected).toBe(1);
  });

  it('answers 413 over the size limit and 415 for other content types', async () => {
    expect((await post(`{"eventType":"X","data":{"pad":"${'x'.repeat(70 * 1024)}"}}`)).status).toBe(413);
    expect((await post(lines[0]!, { authorization: AUTH, 'content-type': 'application/xml' })).status).toBe(415);
    expect((await fetch(`${base}/webhooks/mluvii`, { headers: { authorization: AUTH } })).status).toBe(405);
  });

  it('serves the reading endpoints behind their own bearer token', async () => {
    expect((await fetch(`${base}/sessions`)).status).toBe(401);
    expect((await fetch(`${base}/sessions`, { headers: { authorization: AUTH } })).status).toBe(401);
    const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: READ } });
    const { items: sessions, nextCursor } = (await (await get('/sessions')).json()) as { items: { id: number; status: string }[]; nextCursor: string | null };
    expect(sessions).toEqual(tracker.sessions());
    expect(nextCursor).toBeNull();
    expect(await (await get(`/sessions/${sessions[0]!.id}`)).json()).toEqual(tracker.session(sessions[0]!.id));
    expect(((await (await get('/sessions?status=closed')).json()) as { items: unknown[] }).items).toEqual(tracker.sessions({ status: 'closed' }));
    expect((await get('/sessions?status=bogus')).status).toBe(400);
    expect((await get('/sessions/1')).status).toBe(404);
    expect(((await (await get('/operators')).json()) as { items: unknown[] }).items).toEqual(tracker.operators());
    expect(((await (await get('/anomalies?kind=invalid-payload')).json()) as { items: unknown[] }).items).toHaveLength(1);
    expect(await (await get(`/timeline/${encodeURIComponent(`session:${sessions[0]!.id}`)}`)).json()).toHaveLength(tracker.timeline(`session:${sessions[0]!.id}`).length);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/mluvii_state_events_ingested_total\{event_type="SessionCreated",outcome="applied"\} \d+/);
    expect(metrics).toMatch(/mluvii_state_sessions\{status="closed"\} \d+/);
    expect(metrics).toMatch(/mluvii_state_ingest_seconds_count \d+/);
  });

  it('serves KPIs, the picture now and the stats; refuses malformed KPI queries with 400; the dashboard page needs no token', async () => {
    const read = (path: string) => fetch(`${base}${path}`, { headers: { authorization: READ } });
    const kpis = await read('/kpis?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&interval=1d');
    expect(kpis.status).toBe(200);
    const body = await kpis.json() as { offered: number; answered: number; abandoned: number; open: number; buckets: unknown[] };
    expect(body.answered + body.abandoned + body.open).toBe(body.offered);
    expect(body.buckets).toHaveLength(366);
    expect(await (await read('/now')).json()).toHaveProperty('operatorsByWork');
    expect(await (await read('/stats')).json()).toMatchObject({ deliveries: tracker.stats().deliveries });
    const newest = await (await read('/anomalies?order=newest&limit=5')).json() as { items: { position: number | null }[] };
    const positions = newest.items.map((a) => a.position ?? Infinity);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    for (const bad of ['/kpis', '/kpis?from=x&to=2025-01-01', '/kpis?from=2025-01-02&to=2025-01-01', '/kpis?from=0&to=1&interval=5m', '/kpis?from=0&to=4102444800000&interval=15m', '/anomalies?order=sideways']) {
      expect((await read(bad)).status, bad).toBe(400);
    }
    expect((await fetch(`${base}/kpis?from=0&to=1`)).status).toBe(401);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<script src="/dashboard.js"');
  });

  it('pages every listing with a cursor: the pages together are the whole list, in order', async () => {
    const get = async (path: string) => (await fetch(`${base}${path}`, { headers: { authorization: READ } })).json() as Promise<{ items: unknown[]; nextCursor: string | null }>;
    for (const [path, whole] of [['/sessions', tracker.sessions()], ['/operators', tracker.operators()], ['/email-threads', tracker.emailThreads()], ['/anomalies', tracker.anomalies()]] as const) {
      for (const limit of [1, 7, 1000]) {
        const seen: unknown[] = [];
        let cursor: string | null = null;
        do {
          const page = await get(`${path}?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor !== null);
        expect(seen).toEqual(whole);
      }
    }
    // The default page is bounded, and bad paging parameters are a 400, not a crash.
    expect((await get('/anomalies')).items.length).toBeLessThanOrEqual(100);
    for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'cursor=-1', 'cursor=x']) {
      expect((await fetch(`${base}/sessions?${query}`, { headers: { authorization: READ } })).status).toBe(400);
    }
  });

  it('streams state changes and anomalies as Server-Sent Events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/events`, { headers: { authorization: READ }, signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    await reader.read(); // ': connected'
    await post('{"eventType":"SessionOperatorLeft","data":{"id":99,"tenantId":62,"userId":7,"channel":"Chat","source":"Default","time":"2024-05-06T10:00:00+02:00"}}');
    let text = '';
    while (!text.includes('anomaly-raised')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('event: state-changed');
    expect(text).toContain('"kind":"missing-transition"');
    controller.abort();
  });

  it('never answers 5xx to odd reading paths (bounded fuzz)', async () => {
    const segment = fc.oneof(fc.constantFrom('sessions', 'operators', 'email-threads', 'anomalies', 'timeline', 'metrics', '%', '%E0%A4%A', '..', '99999999999999999999'), fc.webSegment());
    await fc.assert(fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 3 }), fc.webQueryParameters(), async (segments, query) => {
      const response = await fetch(`${base}/${segments.join('/')}?${query}`, { headers: { authorization: READ } });
      expect(response.status).toBeLessThan(500);
      await response.arrayBuffer();
    }), { numRuns: 150 });
  });

  it('never answers 5xx to malformed bodies and headers (bounded fuzz)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.jsonValue().map((v) => JSON.stringify(v)), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))),
      fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded'),
      fc.constantFrom(AUTH, 'Basic', 'Basic !!!', 'Bearer x', basic('mluvii', '')),
      async (body, type, authorization) => {
        const response = await post(body, { authorization, 'content-type': type });
        expect(response.status).toBeLessThan(500);
        await response.arrayBuffer();
      }), { numRuns: 150 });
  });
});

describe('mluvii-state serve', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const cli = ['--import', 'tsx', 'src/cli/main.ts', 'serve'];

  it('refuses to start without credentials unless --insecure-no-auth', async () => {
    const child = spawn(process.execPath, [...cli, '--port', '0'], { cwd: root, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('MLUVII_STATE_WEBHOOK_USER');
  });

  it('receives webhooks into its journal and shuts down gracefully on SIGTERM', async () => {
    const journal = join(dir, 'serve.journal');
    const env = { PATH: process.env.PATH, MLUVII_STATE_WEBHOOK_USER: 'mluvii', MLUVII_STATE_WEBHOOK_PASSWORD: 's3cret', MLUVII_STATE_READ_TOKEN: 'reader-token' };
    const child = spawn(process.execPath, [...cli, '--port', '0', '--store', journal], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const port = await new Promise<number>((resolve) => child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /"port":(\d+)/.exec(out);
      if (match !== null) resolve(Number(match[1]));
    }));
    for (const line of lines.slice(0, 20)) {
      const response = await fetch(`http://127.0.0.1:${port}/webhooks/mluvii`, { method: 'POST', body: line, headers: { authorization: AUTH } });
      expect(response.status).toBe(200);
    }
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(out).toContain('"msg":"stopped"');
    const reopened = await createJournalStore({ path: journal });
    expect(reopened.read()).toHaveLength(20);
    await reopened.close();
  });
});
