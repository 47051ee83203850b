import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJournalStore, createTracker, generateStream, replayInto, type Tracker } from 'mluvii-state';

const dir = mkdtempSync(join(tmpdir(), 'mluvii-replay-'));
const picture = (t: Tracker) => ({ sessions: t.sessions(), operators: t.operators(), threads: t.emailThreads(), anomalies: t.anomalies(), stats: t.stats() });

describe('replayInto with deliveries in flight (a bulk import)', () => {
  it('gives the same store order, picture and per-line results as one at a time', async () => {
    const { lines } = generateStream({ seed: 17, sessions: 150, anomalies: 0.08 });
    const items = lines.map((body, i) => ({ line: i + 1, body }));
    let reference: { picture: unknown; records: unknown; results: unknown } | null = null;
    for (const inFlight of [1, 7, 512]) {
      const store = await createJournalStore({ path: join(dir, `in-flight-${inFlight}.journal`), fsync: 'none' });
      const tracker = createTracker({ store, clock: () => 0 });
      const results: string[] = [];
      await replayInto(tracker, items, { inFlight, onResult: (result, item) => results.push(`${item.line}:${result.outcome}:${result.position}`) });
      const run = { picture: picture(tracker), records: store.read().map((r) => [r.position, r.source]), results };
      await store.close();
      if (reference === null) reference = run;
      else expect(run).toEqual(reference);
    }
  });
});
