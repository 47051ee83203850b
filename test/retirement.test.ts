/**
 * Retirement is invisible except in memory: a tracker that retires finished streams answers
 * every view, anomaly, timeline and stat like one that never retires, through late events and
 * re-deliveries to retired streams.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createJournalStore, createMemoryStore, createTracker, type EventStore, type Tracker } from 'mluvii-state';
import { generateStream } from '../src/generate/generateStream.js';
import { decodeImage } from '../src/tracker/snapshotImage.js';
import { capture, captureOf, everything, feed, HOUR, inTempDir, streamsOf } from './support/retirement.js';

const noStalled = (t: Tracker) => t.anomalies().filter((a) => a.kind !== 'stalled');

describe('retirement', () => {
  it('property: a retiring tracker answers like one that never retires (views, timelines, anomalies, stats)', async () => {
    await fc.assert(fc.asyncProperty(
      capture,
      fc.constantFrom(60_000, HOUR, 6 * HOUR, 24 * HOUR),
      fc.integer({ min: 1, max: 50 }),
      async (deliveries, retainFor, retireEvery) => {
        const clock = () => 0; // retirement runs on the capture's own receive times
        const never = await feed(deliveries, createTracker({ clock, retainFor: Infinity }), retireEvery);
        const retiring = await feed(deliveries, createTracker({ clock, retainFor }), retireEvery);
        retiring.retire();
        expect(retiring.stats()).toEqual(never.stats());
        // The synchronous anomalies are those of what is in memory, the same as never retiring.
        const hot = new Set(retiring.anomalies().map((a) => a.stream));
        expect(noStalled(retiring)).toEqual(noStalled(never).filter((a) => a.stream === null || hot.has(a.stream)));
        const streams = streamsOf(deliveries);
        expect(await everything(retiring, streams)).toEqual(await everything(never, streams));
        expect(await retiring.findSessions()).toEqual(never.sessions());
      },
    ), { numRuns: 60 });
  });

  it('property: over a journal, through compaction and a restart from a snapshot, it answers like a tracker that never retires', async () => {
    let n = 0;
    await inTempDir('mluvii-retire-', async (dir) => {
      await fc.assert(fc.asyncProperty(
        captureOf(150),
        fc.constantFrom(HOUR, 6 * HOUR, 24 * HOUR),
        fc.double({ min: 0.2, max: 0.9, noNaN: true }),
        fc.boolean(),
        async (deliveries, retainFor, restartAt, withImage) => {
          const clock = () => 0;
          const never = await feed(deliveries, createTracker({ clock, retainFor: Infinity }), 25);
          const path = join(dir, `journal-${++n}`);
          const cut = Math.floor(deliveries.length * restartAt);
          let store = await createJournalStore({ path, fsync: 'none' });
          const first = await feed(deliveries.slice(0, cut), createTracker({ store, clock, retainFor }), 25);
          first.retire();
          // With an image the start decodes nothing the snapshot covers; without, it re-folds the hot set.
          const saved = first.snapshot();
          await store.writeSnapshot(saved, withImage ? first.snapshotImage() : null);
          // Deliveries after the snapshot: the restart folds them from the journal's tail.
          const tail = Math.min(deliveries.length, cut + 20);
          await feed(deliveries.slice(cut, tail), first, 25);
          await store.close();
          store = await createJournalStore({ path, fsync: 'none' });
          expect(store.snapshot?.position).toBe(saved.position);
          expect(store.readImage() !== null).toBe(withImage);
          const restarted = await feed(deliveries.slice(tail), createTracker({ store, clock, retainFor }), 25);
          restarted.retire();
          expect(restarted.stats()).toEqual(never.stats());
          const streams = streamsOf(deliveries);
          expect(await everything(restarted, streams)).toEqual(await everything(never, streams));
          expect(await restarted.findSessions()).toEqual(never.sessions());
          await store.close();
        },
      ), { numRuns: 20 });
    });
  });

  it('retires closed sessions after retainFor, and brings one back for a late event, raising what a never-retiring tracker raises', async () => {
    const store = createMemoryStore();
    const t = createTracker({ store, clock: () => 0, retainFor: HOUR });
    const at = Date.parse('2024-05-02T10:00:00Z');
    const body = (eventType: string, data: Record<string, unknown>) => JSON.stringify({ eventType, data });
    const session = (id: number) => ({ id, tenantId: 7, channel: 'Chat', source: 'Default' });
    const ended = body('SessionEnded', { ...session(1), started: '2024-05-02T10:00:01Z', ended: '2024-05-02T10:05:00Z' });
    await t.ingest(body('SessionCreated', session(1)), { receivedAt: at });
    await t.ingest(body('SessionStarted', { ...session(1), started: '2024-05-02T10:00:01Z' }), { receivedAt: at + 1000 });
    expect((await t.ingest(ended, { receivedAt: at + 300_000 })).outcome).toBe('applied');
    expect(t.session(1)?.status).toBe('closed');
    await t.ingest(body('SessionCreated', session(2)), { receivedAt: at + 2 * HOUR });
    expect(t.retire()).toBe(1);
    expect(t.session(1)).toBeNull();
    expect(t.stats().sessionsByStatus.closed).toBe(1);
    expect((await t.findSession(1))?.status).toBe('closed');
    t.retire();
    // A re-delivery to the retired session is a duplicate, not applied twice.
    const again = await t.ingest(ended, { receivedAt: at + 3 * HOUR });
    expect(again.outcome).toBe('duplicate');
    t.retire();
    // A late event before the end is inserted in place: out of order, and unexpected after the end.
    const late = await t.ingest(body('SessionOperatorJoined', { ...session(1), userId: 2710, time: '2024-05-02T10:01:00Z' }), { receivedAt: at + 4 * HOUR });
    expect(late.outcome).toBe('applied');
    expect(late.raised.map((a) => a.kind)).toContain('out-of-order');
    expect(t.session(1)?.eventCount).toBe(4);
  });

  it('keeps nothing retired without a store to bring it back from', async () => {
    const store: EventStore = { append: (record) => ({ ...record, position: 1 }), read: () => [] };
    const t = createTracker({ store, retainFor: 1 });
    expect(t.retire()).toBe(0);
  });
});

describe('journal stream index', () => {
  it('reads a stream back the same after its index is deleted (rebuilt from the journal), and after a torn tail past the snapshot', async () => {
    await inTempDir('mluvii-index-', async (dir) => {
      const path = join(dir, 'journal');
      const { lines } = generateStream({ seed: 11, sessions: 60, days: 2, anomalies: 0.1, envelope: true });
      let store = await createJournalStore({ path, fsync: 'none', indexRunEntries: 64 });
      const t = createTracker({ store, clock: () => 0, retainFor: HOUR });
      for (const line of lines) {
        const { receivedAt, body } = JSON.parse(line) as { receivedAt: string; body: unknown };
        await t.ingest(JSON.stringify(body), { receivedAt: Date.parse(receivedAt) });
      }
      t.retire();
      await store.writeSnapshot(t.snapshot(), t.snapshotImage());
      const streams = streamsOf(lines.map((line) => ({ body: JSON.stringify((JSON.parse(line) as { body: unknown }).body), receivedAt: 0 })));
      const before = streams.map((s) => store.readStream(s));
      const views = await everything(t, streams);
      await store.close();

      // One index file lost: it and those after it are rebuilt from the journal.
      const { readdirSync } = await import('node:fs');
      const runs = readdirSync(`${path}.index`).sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]));
      expect(runs.length).toBeGreaterThan(10);
      rmSync(join(`${path}.index`, runs[Math.floor(runs.length / 2)]!));
      // A torn tail after the snapshot: half a record appended by a crash.
      const { appendFileSync } = await import('node:fs');
      appendFileSync(path, Buffer.from([200, 0, 0, 0, 1, 2, 3]));
      const warnings: string[] = [];
      store = await createJournalStore({ path, fsync: 'none', indexRunEntries: 64, onWarning: (m) => warnings.push(m) });
      expect(warnings.join()).toMatch(/torn tail/);
      expect(streams.map((s) => store.readStream(s))).toEqual(before);
      const restarted = createTracker({ store, clock: () => 0, retainFor: HOUR });
      expect(await everything(restarted, streams)).toEqual(views);
      await store.close();
    });
  });
});

describe('journal archive', () => {
  it('lists retired sessions by close time, reading only the days asked for, and the latest report of each', async () => {
    await inTempDir('mluvii-archive-', async (dir) => {
      const path = join(dir, 'journal');
      const store = await createJournalStore({ path, fsync: 'none' });
      const view = (id: number, closedAt: string | null) => ({ stream: `session:${id}`, status: 'closed', tenantId: 62, closedAt, view: { id, closedAt } });
      store.archive([view(1, '2024-05-06T10:00:00.000Z'), view(2, '2024-05-07T10:00:00.000Z'), view(3, null)]);
      store.archive([view(1, '2024-05-06T11:00:00.000Z')]);
      const ids = (list: { view: unknown }[]) => list.map((v) => (v.view as { id: number; closedAt: string }).id);
      expect(ids(store.archived({ prefix: 'session:', closedFrom: Date.parse('2024-05-06T00:00:00Z'), closedTo: Date.parse('2024-05-07T00:00:00Z') }))).toEqual([1]);
      expect(store.archived({ prefix: 'session:', closedTo: Date.parse('2024-05-06T12:00:00Z') }).map((v) => v.closedAt)).toEqual(['2024-05-06T11:00:00.000Z']);
      expect(ids(store.archived({ prefix: 'session:' })).sort()).toEqual([1, 2, 3]);
      await store.close();
    });
  });
});

describe('snapshot image', () => {
  it('is read only when it is whole and of the snapshot\'s position; otherwise the journal is', async () => {
    await inTempDir('mluvii-image-', async (dir) => {
      const path = join(dir, 'journal');
      // No duplicates: every event's position is its slot's, so the log's positions part is empty.
      const { lines } = generateStream({ seed: 3, sessions: 40 });
      const store = await createJournalStore({ path, fsync: 'none' });
      const live = createTracker({ store, clock: () => 0 });
      for (const line of lines) await live.ingest(line);
      await store.writeSnapshot(live.snapshot(), live.snapshotImage());
      await store.close();
      const views = (t: Tracker) => ({ sessions: t.sessions(), operators: t.operators(), threads: t.emailThreads(), anomalies: t.anomalies(), stats: t.stats() });
      const expected = views(live);
      const { readFileSync, writeFileSync } = await import('node:fs');
      const image = readFileSync(`${path}.snapshot.image`);
      const position = live.snapshot().position;
      expect(decodeImage(image, position)).not.toBeNull();
      expect(decodeImage(image, position - 1)).toBeNull();
      // A flipped byte in the parts: the image is refused, the journal read, the same picture.
      const damaged = Buffer.from(image);
      const partsStart = Math.ceil((26 + image.readUInt32LE(22)) / 8) * 8; // magic, length, JSON, padding
      damaged[partsStart + 1]! ^= 0xff;
      expect(decodeImage(damaged, position)).toBeNull();
      for (const variant of [image, damaged]) {
        writeFileSync(`${path}.snapshot.image`, variant);
        const reopened = await createJournalStore({ path, fsync: 'none' });
        expect(views(createTracker({ store: reopened, clock: () => 0 }))).toEqual(expected);
        await reopened.close();
      }
    });
  });
});
