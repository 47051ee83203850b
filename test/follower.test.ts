/** A tracker over a shared store (PostgreSQL's contract) that follows the log others append to. */
import { describe, expect, it, vi } from 'vitest';
import { createTracker, parseWebhook, type SharedEventStore, type StoreRecord, type TrackerNotice } from 'mluvii-state';

describe('a tracker following a shared log', () => {
  it('never applies a position twice when a pump fails partway through a page and reads it again', async () => {
    const event = (text: string, position: number): StoreRecord => {
      const parsed = parseWebhook(text);
      if (!parsed.ok) throw new Error('rejected');
      return { kind: 'event', position, receivedAt: 0, source: null, event: parsed.event };
    };
    const page: StoreRecord[] = [
      event('{"eventType":"SessionCreated","data":{"id":1,"tenantId":2,"channel":"Chat","source":"Default"}}', 1),
      event('{"eventType":"SessionStarted","data":{"id":1,"tenantId":2,"channel":"Chat","source":"Default","started":"2024-05-06T08:00:00+02:00"}}', 2),
      // A record the tracker cannot apply (no event type): the pump fails on it, every time.
      { kind: 'event', position: 3, receivedAt: 0, source: null, event: { data: {} } } as unknown as StoreRecord,
    ];
    let reads = 0;
    const store: SharedEventStore<number> = {
      shared: true,
      read: () => [],
      // The log never gets past the unreadable record, so every read returns the same page.
      async readAfter() { reads++; return { records: page, checkpoint: 3 }; },
      async watch() { return async () => undefined; },
      async append() { return { ...page[1]!, position: 4 }; },
    };
    const tracker = createTracker({ store, clock: () => 0 });
    await tracker.ready.catch(() => undefined);
    void tracker.ingest('{"eventType":"SessionEnded","data":{"id":1,"tenantId":2,"channel":"Chat","source":"Default","started":null,"ended":"2024-05-06T08:05:00+02:00"}}');
    // The ingest's pump reads the page again and fails on it again.
    await vi.waitFor(() => expect(reads).toBeGreaterThanOrEqual(2));
    expect(tracker.timeline('session:1')).toHaveLength(2);
    expect(tracker.anomalies()).toEqual([]);
    expect(tracker.session(1)?.status).toBe('queued');
  });

  it('reports a failed pump and retries it: an ingest waiting for its fold settles once the store answers again', async () => {
    const log: StoreRecord[] = [];
    let down = false;
    const store: SharedEventStore<number> = {
      shared: true,
      read: () => log,
      async readAfter(checkpoint) {
        if (down) throw new Error('connection refused');
        const records = log.filter((record) => record.position > (checkpoint ?? 0));
        return { records, checkpoint: records.at(-1)?.position ?? checkpoint };
      },
      async watch() { return async () => undefined; },
      async append(record) {
        const stored = { ...record, position: log.length + 1 } as StoreRecord;
        log.push(stored);
        return stored;
      },
    };
    const tracker = createTracker({ store, clock: () => 0 });
    await tracker.ready;
    const failures: TrackerNotice[] = [];
    tracker.subscribe((notice) => {
      if (notice.type !== 'follow-failed') return;
      failures.push(notice);
      down = false; // the database is back before the retry
    });
    down = true;
    const result = await tracker.ingest('{"eventType":"SessionCreated","data":{"id":1,"tenantId":2,"channel":"Chat","source":"Default"}}');
    expect(result).toMatchObject({ outcome: 'applied', position: 1 });
    expect(failures).toMatchObject([{ type: 'follow-failed', message: 'connection refused', retryInMs: 100 }]);
    expect(tracker.session(1)?.status).toBe('created');
    await tracker.close();
  });
});
