/**
 * Journal figures for `npm run bench`: ingest throughput into a journal with each fsync policy
 * (64 deliveries in flight, as concurrent webhook requests would be, so group commit applies),
 * beside the in-memory store in the same run; and restart time (open + re-fold) of a journal.
 *
 * Options: --events N (default 200000) for the throughput runs, --restart-sessions N (default
 * 90000) for the restart run.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMemoryStore, createTracker, generateStream, openJournalStore, type EventStore, type FsyncPolicy } from '../src/index.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, 'restart-sessions': { type: 'string', default: '90000' } } });
const dir = mkdtempSync(join(tmpdir(), 'mluvii-bench-'));
const IN_FLIGHT = 64;

const stream = generateStream({ seed: 2, sessions: Math.ceil(Number(values.events) / 13) });
const lines = stream.lines.slice(0, Number(values.events));
console.log(`journal: ${lines.length} deliveries, ${IN_FLIGHT} in flight`);

async function ingestRate(label: string, store: EventStore): Promise<number> {
  const tracker = createTracker({ store, clock: () => 0 });
  const start = performance.now();
  for (let i = 0; i < lines.length; i += IN_FLIGHT) await Promise.all(lines.slice(i, i + IN_FLIGHT).map((l) => tracker.ingest(l)));
  const perSecond = lines.length / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(34)} ${Math.round(perSecond).toLocaleString('en').padStart(11)} events/s`);
  return perSecond;
}

const memory = await ingestRate('in-memory store', createMemoryStore());
const policies: [string, FsyncPolicy][] = [['journal, fsync none', 'none'], ['journal, fsync every 100 ms', { intervalMs: 100 }], ['journal, fsync every append', 'every']];
for (const [label, fsync] of policies) {
  const path = join(dir, `${label.replace(/\W+/g, '-')}.journal`);
  const journal = await openJournalStore({ path, fsync });
  const perSecond = await ingestRate(label, journal);
  await journal.close();
  console.log(`${''.padEnd(34)} ${(perSecond / memory * 100).toFixed(0).padStart(11)} % of in-memory; ${(statSync(path).size / lines.length).toFixed(0)} bytes/event on disk`);
}

// Restart: open a journal of a full day and re-fold it (no snapshots: every event is re-parsed
// and re-folded).
const day = generateStream({ seed: 3, sessions: Number(values['restart-sessions']) });
const path = join(dir, 'day.journal');
const writer = await openJournalStore({ path, fsync: 'none' });
const tracker = createTracker({ store: writer, clock: () => 0 });
for (let i = 0; i < day.lines.length; i += IN_FLIGHT) await Promise.all(day.lines.slice(i, i + IN_FLIGHT).map((l) => tracker.ingest(l)));
await writer.close();
const start = performance.now();
const reopened = await openJournalStore({ path });
const opened = performance.now();
const rebuilt = createTracker({ store: reopened, clock: () => 0 });
const folded = performance.now();
console.log(`restart of ${day.lines.length} events (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB): open + parse ${((opened - start) / 1000).toFixed(1)} s, re-fold ${((folded - opened) / 1000).toFixed(1)} s, total ${((folded - start) / 1000).toFixed(1)} s (no snapshots)`);
if (rebuilt.stats().deliveries !== day.lines.length) throw new Error('restart lost deliveries');
await reopened.close();
rmSync(dir, { recursive: true, force: true });
