import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore, createTracker, generateStream, getIdentity, parseWebhook, type Tracker } from 'mluvii-state';
import { dropSchema, freshSchema, PG_URL, query } from './support/postgres.js';

if (PG_URL === undefined) console.warn('SKIPPED: PostgreSQL store tests need MLUVII_STATE_PG_URL (set by .ci/run)');

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const schemas: string[] = [];
const schema = () => { const s = freshSchema(); schemas.push(s); return s; };
const picture = (t: Tracker) => ({ sessions: t.sessions(), emailThreads: t.emailThreads(), operators: t.operators(), anomalies: t.anomalies() });

describe.skipIf(PG_URL === undefined)('PostgreSQL store', () => {
  afterAll(async () => { for (const s of schemas) await dropSchema(s); });
  const { lines } = generateStream({ seed: 21, sessions: 60, anomalies: 0.05 });
  const withJunk = [...lines, '{"eventType": ', '{"eventType":"Teleported","data":{}}'];

  it('creates its schema, stores every delivery, and a new tracker rebuilds the same picture', async () => {
    const s = schema();
    const store = await createPostgresStore({ url: PG_URL!, schema: s });
    const live = createTracker({ store, clock: () => 0 });
    await live.ready;
    for (const [i, line] of withJunk.entries()) await live.ingest(line, { source: `line ${i + 1}` });
    const memory = createTracker({ clock: () => 0 });
    for (const [i, line] of withJunk.entries()) await memory.ingest(line, { source: `line ${i + 1}` });
    expect(picture(live)).toEqual(picture(memory));

    const rebuilt = createTracker({ store, clock: () => 0 });
    await rebuilt.ready;
    expect(picture(rebuilt)).toEqual(picture(live));
    expect(await query(`SELECT version FROM "${s}".migrations ORDER BY version`)).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    const kinds = await query<{ kind: string; n: string }>(`SELECT kind, count(*) AS n FROM "${s}".log GROUP BY kind ORDER BY kind`);
    expect(kinds.map((k) => [k.kind, Number(k.n)])).toEqual([
      ['dead-letter', 1], ['event', live.stats().applied + live.stats().unknown], ['redelivery', live.stats().duplicates],
    ]);
    // Stream versions number each stream's events in log order; dead letters have their view.
    const versions = await query<{ stream_id: string; v: string[] }>(`SELECT stream_id, array_agg(stream_version ORDER BY position) AS v FROM "${s}".events GROUP BY stream_id`);
    for (const { v } of versions) expect(v.map(Number)).toEqual(v.map((_, i) => i + 1));
    expect(await query(`SELECT count(*)::int AS n FROM "${s}".dead_letters`)).toEqual([{ n: 1 }]);
    await Promise.all([live.close(), rebuilt.close()]);
    await store.close();
  });

  it('reads the log in transaction-id order, also where ids differ in digit count (9 before 10), page by page', async () => {
    const s = schema();
    const store = await createPostgresStore({ url: PG_URL!, schema: s });
    const bodies = lines.filter((l) => { const r = parseWebhook(l); return r.ok && getIdentity(r.event) !== null; }).slice(0, 4);
    for (const body of bodies) {
      const r = parseWebhook(body);
      if (r.ok) await store.append({ kind: 'event', position: 0, receivedAt: 0, source: null, event: r.event }, body);
    }
    // Long-finished transaction ids (below any live snapshot's horizon), chosen so that their
    // text order (10, 100, 11, 9) differs from their numeric order (9, 10, 11, 100).
    const txOf: Record<number, number> = { 1: 100, 2: 10, 3: 9, 4: 11 };
    for (const [position, tx] of Object.entries(txOf)) await query(`UPDATE "${s}".log SET tx = $1::xid8 WHERE position = $2`, [String(tx), Number(position)]);
    const inLogOrder = [3, 2, 4, 1];
    const all: number[] = [];
    for await (const record of store.read()) all.push(record.position);
    expect(all).toEqual(inLogOrder);
    const paged: number[] = [];
    let checkpoint: Awaited<ReturnType<typeof store.readAfter>>['checkpoint'] = null;
    for (;;) {
      const page = await store.readAfter(checkpoint, 1);
      if (page.records.length === 0) break;
      paged.push(...page.records.map((r) => r.position));
      checkpoint = page.checkpoint;
    }
    expect(paged).toEqual(inLogOrder);
    await store.close();
  });

  it('stores a webhook retried at two receivers at once exactly once (unique index, no race)', async () => {
    const s = schema();
    const a = await createPostgresStore({ url: PG_URL!, schema: s });
    const b = await createPostgresStore({ url: PG_URL!, schema: s });
    const ta = createTracker({ store: a });
    const tb = createTracker({ store: b });
    await Promise.all([ta.ready, tb.ready]);
    // A body with an identity (refresh signals without one are never deduplicated, by design).
    const body = lines.find((l) => { const r = parseWebhook(l); return r.ok && getIdentity(r.event) !== null; })!;
    const results = await Promise.all([ta.ingest(body), tb.ingest(body), ta.ingest(body), tb.ingest(body)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate']);
    expect(await query(`SELECT count(*)::int AS n FROM "${s}".log WHERE kind = 'event'`)).toEqual([{ n: 1 }]);
    await Promise.all([ta.close(), tb.close()]);
    await Promise.all([a.close(), b.close()]);
  });

  it('batches appends issued together into one insert, in issue order, repeats becoming re-deliveries', async () => {
    const s = schema();
    const store = await createPostgresStore({ url: PG_URL!, schema: s });
    const tracker = createTracker({ store });
    await tracker.ready;
    // 40 bodies with 40 different identities (the generated stream has injected duplicates).
    const byIdentity = new Map<string, string>();
    for (const line of lines) {
      const r = parseWebhook(line);
      const identity = r.ok ? getIdentity(r.event) : null;
      if (identity !== null && !byIdentity.has(identity)) byIdentity.set(identity, line);
    }
    const withIdentity = [...byIdentity.values()].slice(0, 40);
    const sent = [...withIdentity.slice(0, 20), withIdentity[3]!, ...withIdentity.slice(20)];
    const results = await Promise.all(sent.map((line) => tracker.ingest(line)));
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(1);
    const applied = results.filter((r) => r.outcome === 'applied').map((r) => r.position);
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
    const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM "${s}".log WHERE kind = 'event'`);
    expect(rows).toEqual([{ n: 40 }]);
    await tracker.close();
    await store.close();
  });

  it('two processes ingesting disjoint halves concurrently, with overlapping retries, converge to identical views', async () => {
    const s = schema();
    const doneDir = mkdtempSync(join(tmpdir(), 'mluvii-pg-'));
    const writer = fileURLToPath(new URL('./support/pgWriter.ts', import.meta.url));
    const env = { ...process.env };
    const [first, second] = await Promise.all([0, 1].map((half) =>
      run(process.execPath, ['--import', 'tsx', writer, PG_URL!, s, '31', String(half), doneDir], { cwd: root, env, maxBuffer: 64 * 2 ** 20 })));
    const one = JSON.parse(first!.stdout);
    const two = JSON.parse(second!.stdout);
    expect(two).toEqual(one);

    // Sessions and threads equal those of the same deliveries folded in one process. (The
    // overlap delivers some refresh signals twice; having no identity, both count, by design.)
    const all = generateStream({ seed: 31, sessions: 150, anomalies: 0.03 }).lines;
    const reference = createTracker({ clock: () => 0 });
    for (const half of [0, 1]) for (const [i, line] of all.entries()) if (i % 2 === half || i % 7 === 0) await reference.ingest(line);
    const differing = one.sessions.filter((v: { id: number }, i: number) => JSON.stringify(v) !== JSON.stringify(reference.sessions()[i]));
    expect(differing.map((v: { id: number }) => [v, reference.session(v.id)])).toEqual([]);
    expect(one.emailThreads).toEqual(reference.emailThreads());

    // Every event stored exactly once.
    const identities = new Set(all.map((l) => parseWebhook(l)).flatMap((r) => (r.ok && getIdentity(r.event) !== null ? [getIdentity(r.event)!] : [])));
    const [stored] = await query<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT identity)::int AS distinct FROM "${s}".log WHERE kind = 'event' AND identity IS NOT NULL`);
    expect(stored).toEqual({ n: identities.size, distinct: identities.size });
  });
});
