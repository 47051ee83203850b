import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createWebhookServer } from '../examples/http-endpoint.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Runs an example as a user would: `tsx examples/<name>` from the project root. */
const runExample = (name: string, args: string[] = []) =>
  execFileSync(process.execPath, ['--import', 'tsx', `examples/${name}`, ...args], { cwd: root, encoding: 'utf8' });

describe('examples', () => {
  it('parse-webhooks.ts reports every line of the vendor examples', () => {
    const lines = runExample('parse-webhooks.ts').trim().split('\n');
    expect(lines).toHaveLength(52);
    expect(lines.filter((l) => /^line \d+\s+ok /.test(l))).toHaveLength(49);
    expect(lines.filter((l) => l.includes('rejected'))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/unknown\s+SessionActivityTeleported\s+session:7371450/);
  });

  it('stalled-acw.ts finds the operator stuck in after-call work', () => {
    const out = runExample('stalled-acw.ts');
    expect(out).toContain('anomaly-raised: duplicate');
    expect(out).toContain('operator 2710 is in after-call work on sessions 7371450');
    expect(out).toContain('stalled after-call-work since 2024-05-06T08:05:00.000000Z on session:7371450');
  });

  it('replay-file.ts replays the sample day', () => {
    const out = runExample('replay-file.ts');
    expect(out).toMatch(/^3312 lines, 3275 events applied, 34 duplicates, 2 rejected/);
    expect(out).toMatch(/line \d+: session:\d+ SessionOperatorJoined is missing SessionStarted/);
  });

  it('history-and-kpis.ts reads a retired session back from the journal and reports KPIs', () => {
    const out = runExample('history-and-kpis.ts');
    expect(out).toMatch(/^195 closed sessions, \d+ of them retired from memory/);
    expect(out).toMatch(/session \d+: closed, queued \d+ ms/);
    expect(out).toMatch(/offered 250, answered 206, abandoned 30, service level 48\.1 %/);
  });

  it('http-endpoint.ts takes webhooks over HTTP and answers queries', async () => {
    const server = createWebhookServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const post = (body: string) => fetch(`${base}/webhooks/mluvii`, { method: 'POST', body }).then((r) => r.json());
      expect(await post('{"eventType":"SessionCreated","data":{"id":5,"tenantId":62,"channel":"Chat","source":"Default"}}')).toEqual({ outcome: 'applied', anomalies: [] });
      expect(await post('{"eventType":"SessionOperatorJoined","data":{"id":5,"tenantId":62,"userId":1,"channel":"Chat","source":"Default","time":"2024-05-06T10:00:00+02:00"}}'))
        .toEqual({ outcome: 'applied', anomalies: ['missing-transition'] });
      expect(await post('not json')).toEqual({ outcome: 'rejected', anomalies: ['invalid-payload'] });
      expect(await fetch(`${base}/sessions/5`).then((r) => r.json())).toMatchObject({ id: 5, status: 'active' });
      expect((await fetch(`${base}/sessions/6`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});

describe('framework examples', () => {
  const AUTH = `Basic ${Buffer.from('mluvii:pw').toString('base64')}`;
  const created = '{"eventType":"SessionCreated","data":{"id":5,"tenantId":62,"channel":"Chat","source":"Default"}}';

  it('express-receiver.ts mounts the receiver next to the app routes', async () => {
    const { createApp } = await import('../examples/express-receiver.js');
    const { app, tracker } = createApp({ password: 'pw', readToken: 'rt' });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/hello`)).json()).toEqual({ hello: 'world' });
      expect((await fetch(`${base}/mluvii/webhooks/mluvii`, { method: 'POST', body: created })).status).toBe(401);
      const ok = await fetch(`${base}/mluvii/webhooks/mluvii`, { method: 'POST', body: created, headers: { authorization: AUTH, 'content-type': 'application/json' } });
      expect(await ok.json()).toMatchObject({ outcome: 'applied' });
      expect(await (await fetch(`${base}/mluvii/sessions/5`, { headers: { authorization: 'Bearer rt' } })).json()).toMatchObject({ id: 5, status: 'created' });
      expect(tracker.stats().applied).toBe(1);
    } finally {
      server.close();
    }
  });

  it('fastify-receiver.ts registers the receiver as a plugin under a prefix', async () => {
    const { createApp } = await import('../examples/fastify-receiver.js');
    const { app, tracker } = await createApp({ password: 'pw', readToken: 'rt' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/hello`)).json()).toEqual({ hello: 'world' });
      expect((await fetch(`${base}/mluvii/webhooks/mluvii`, { method: 'POST', body: created, headers: { 'content-type': 'application/json' } })).status).toBe(401);
      const ok = await fetch(`${base}/mluvii/webhooks/mluvii`, { method: 'POST', body: created, headers: { authorization: AUTH, 'content-type': 'application/json' } });
      expect(await ok.json()).toMatchObject({ outcome: 'applied' });
      const bad = await fetch(`${base}/mluvii/webhooks/mluvii`, { method: 'POST', body: 'not json', headers: { authorization: AUTH, 'content-type': 'text/plain' } });
      expect(await bad.json()).toMatchObject({ outcome: 'rejected' });
      expect(await (await fetch(`${base}/mluvii/sessions/5`, { headers: { authorization: 'Bearer rt' } })).json()).toMatchObject({ id: 5 });
      expect(tracker.stats().rejected).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe('hono example', () => {
  it('hono-receiver.ts mounts the fetch-style receiver without an adapter', async () => {
    const { createApp } = await import('../examples/hono-receiver.js');
    const { app, tracker } = createApp({ password: 'pw', readToken: 'rt' });
    const created = '{"eventType":"SessionCreated","data":{"id":5,"tenantId":62,"channel":"Chat","source":"Default"}}';
    const auth = `Basic ${Buffer.from('mluvii:pw').toString('base64')}`;
    expect(await (await app.request('/hello')).json()).toEqual({ hello: 'world' });
    expect((await app.request('/mluvii/webhooks/mluvii', { method: 'POST', body: created })).status).toBe(401);
    const ok = await app.request('/mluvii/webhooks/mluvii', { method: 'POST', body: created, headers: { authorization: auth, 'content-type': 'application/json' } });
    expect(await ok.json()).toMatchObject({ outcome: 'applied' });
    expect(await (await app.request('/mluvii/sessions/5', { headers: { authorization: 'Bearer rt' } })).json()).toMatchObject({ id: 5 });
    expect(tracker.stats().applied).toBe(1);
  });
});
