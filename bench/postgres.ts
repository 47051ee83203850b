/**
 * PostgreSQL figures for `npm run bench` (skipped without MLUVII_STATE_PG_URL): ingest throughput
 * through a tracker over a PostgreSQL store, single-row appends (one delivery at a time, and 64
 * in flight) and batched appends (64 in flight, one multi-row insert per event-loop turn), and the
 * catch-up (rebuild) rate of a second tracker reading the log. Each run uses a fresh schema.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPostgresStore, createTracker, generateStream } from '../src/index.js';

const url = process.env.MLUVII_STATE_PG_URL;
if (url === undefined) {
  console.log('postgres: skipped (set MLUVII_STATE_PG_URL)');
  process.exit(0);
}
const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' } } });
const lines = generateStream({ seed: 4, sessions: Math.ceil(Number(values.events) / 13) }).lines.slice(0, Number(values.events));
console.log(`postgres: ${lines.length} deliveries`);

const runs: [label: string, inFlight: number, batch: boolean][] = [['single', 1, false], ['single', 64, false], ['batched', 64, true]];
for (const [label, inFlight, batch] of runs) {
  const schema = `mluvii_bench_${process.pid}_${label}_${inFlight}`;
  const store = await createPostgresStore({ url, schema, batch });
  const tracker = createTracker({ store, clock: () => 0 });
  await tracker.ready;
  let start = performance.now();
  for (let i = 0; i < lines.length; i += inFlight) await Promise.all(lines.slice(i, i + inFlight).map((l) => tracker.ingest(l)));
  const ingestRate = lines.length / ((performance.now() - start) / 1000);
  console.log(`ingest, ${label.padEnd(7)} ${String(inFlight).padStart(2)} in flight  ${Math.round(ingestRate).toLocaleString('en').padStart(11)} events/s`);
  await tracker.close();
  if (batch) {
    start = performance.now();
    const follower = createTracker({ store, clock: () => 0 });
    await follower.ready;
    const catchUp = follower.stats().deliveries / ((performance.now() - start) / 1000);
    console.log(`catch-up of a new tracker         ${Math.round(catchUp).toLocaleString('en').padStart(11)} events/s`);
    await follower.close();
  }
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA "${schema}" CASCADE`);
  await client.end();
}
