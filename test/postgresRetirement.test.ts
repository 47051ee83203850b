/**
 * Retirement over PostgreSQL: a tracker retires finished streams from memory, reads them back
 * with SQL up to what it has folded, archives their final views in a table every instance
 * shares, and answers like a tracker that never retires, also after a restart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPostgresStore, createTracker } from 'mluvii-state';
import { dropSchema, freshSchema, PG_URL, query } from './support/postgres.js';
import { captureOf, everything, feed, HOUR, streamsOf } from './support/retirement.js';

describe.skipIf(PG_URL === undefined)('retirement over PostgreSQL', () => {
  const schemas: string[] = [];
  afterAll(async () => { for (const s of schemas) await dropSchema(s); });

  it('answers like a tracker that never retires, before and after a restart; final views are rows', async () => {
    const [deliveries] = fc.sample(captureOf(40), { seed: 7, numRuns: 1 });
    const clock = () => 0;
    const never = await feed(deliveries!, createTracker({ clock, retainFor: Infinity }), 25);
    const schema = freshSchema();
    schemas.push(schema);
    const store = await createPostgresStore({ url: PG_URL!, schema });
    try {
      const retiring = createTracker({ store, clock, retainFor: HOUR });
      await retiring.ready;
      await feed(deliveries!, retiring, 25);
      expect(retiring.retire()).toBeGreaterThanOrEqual(0);
      expect(retiring.stats()).toEqual(never.stats());
      const archived = await query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".views WHERE starts_with(stream_id, 'session:')`);
      expect(archived[0]!.n).toBeGreaterThan(0);
      const streams = streamsOf(deliveries!);
      expect(await everything(retiring, streams)).toEqual(await everything(never, streams));
      expect(await retiring.findSessions()).toEqual(never.sessions());
      // Bounded on one side only: the other bound is open (no invalid date reaches SQL).
      expect(await retiring.findSessions({ closedTo: '2100-01-01T00:00:00Z' })).toEqual(never.sessions().filter((v) => v.closedAt !== null));
      await retiring.close();

      // A restart folds the log again, retiring as it goes, and reads the same.
      const restarted = createTracker({ store, clock, retainFor: HOUR });
      await restarted.ready;
      expect(restarted.stats()).toEqual(never.stats());
      expect(await everything(restarted, streams)).toEqual(await everything(never, streams));
      await restarted.close();
    } finally {
      await store.close();
    }
  });
});
