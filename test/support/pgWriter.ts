/**
 * Child process of the two-process PostgreSQL test: ingests its half of a generated stream (and
 * a slice of the other half, as overlapping retries), marks itself done, waits for the other
 * process, then for its tracker to have folded the whole log, and prints its picture as JSON.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createPostgresStore, createTracker, generateStream } from 'mluvii-state';
import { query } from './postgres.js';

const [url, schema, seed, half, doneDir] = process.argv.slice(2) as [string, string, string, string, string];
const store = await createPostgresStore({ url, schema, pollMs: 100 });
const tracker = createTracker({ store, clock: () => 0 });
await tracker.ready;
const { lines } = generateStream({ seed: Number(seed), sessions: 150, anomalies: 0.03 });
const mine = lines.filter((_, i) => i % 2 === Number(half) || i % 7 === 0);
for (let i = 0; i < mine.length; i += 20) await Promise.all(mine.slice(i, i + 20).map((line) => tracker.ingest(line)));
writeFileSync(`${doneDir}/done-${half}`, '');
while (!existsSync(`${doneDir}/done-0`) || !existsSync(`${doneDir}/done-1`)) await new Promise((r) => setTimeout(r, 20));
const [row] = await query<{ count: string }>(`SELECT count(*) FROM "${schema}".log`);
const count = row!.count;
while (tracker.stats().deliveries < Number(count)) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(JSON.stringify({ sessions: tracker.sessions(), emailThreads: tracker.emailThreads(), operators: tracker.operators(), anomalies: tracker.anomalies(), deliveries: tracker.stats().deliveries }));
await tracker.close();
await store.close();
