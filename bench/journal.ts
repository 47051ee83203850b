/**
 * Journal figures for `npm run bench`: ingest throughput into a journal with each fsync policy
 * (64 deliveries in flight, as concurrent webhook requests would be, so group commit applies),
 * beside the in-memory store in the same run; and restart time (open + re-fold) of a journal.
 *
 * Options: --events N (default 200000) for the throughput runs, --restart-sessions N (default
 * 90000) for the restart run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMemoryStore, createTracker, generateStream, createJournalStore, type EventStore, type FsyncPolicy } from '../src/index.js';

const { values } = parseArgs({ options: {
  events: { type: 'string', default: '200000' }, 'restart-sessions': { type: 'string', default: '90000' },
  // Internal: one timed restart of an existing journal, in its own process.
  'restart-child': { type: 'boolean' }, journal: { type: 'string' }, snapshot: { type: 'boolean' },
} });

/** Opens the journal and builds a tracker from it; times both steps. */
async function restart(path: string, useSnapshot: boolean): Promise<void> {
  const start = performance.now();
  const reopened = await createJournalStore({ path });
  const opened = performance.now();
  const rebuilt = createTracker({ store: reopened, clock: () => 0, ...(useSnapshot ? {} : { snapshot: null }) });
  const folded = performance.now();
  const label = useSnapshot ? 'with snapshot' : 'without snapshot';
  console.log(`restart ${label.padEnd(16)} ${rebuilt.stats().deliveries} events (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB): open + decode ${((opened - start) / 1000).toFixed(1)} s, ${useSnapshot ? 'restore' : 're-fold'} ${((folded - opened) / 1000).toFixed(1)} s, total ${((folded - start) / 1000).toFixed(1)} s`);
  await reopened.close();
}
if (values['restart-child'] === true) {
  await restart(values.journal!, values.snapshot === true);
  process.exit(0);
}
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
  const journal = await createJournalStore({ path, fsync });
  const perSecond = await ingestRate(label, journal);
  await journal.close();
  console.log(`${''.padEnd(34)} ${(perSecond / memory * 100).toFixed(0).padStart(11)} % of in-memory; ${(statSync(path).size / lines.length).toFixed(0)} bytes/event on disk`);
}

// Restart: open a journal of a full day and build a tracker from it, once re-folding every event
// and once restoring the snapshot written when the day was ingested.
const day = generateStream({ seed: 3, sessions: Number(values['restart-sessions']) });
const path = join(dir, 'day.journal');
const writer = await createJournalStore({ path, fsync: 'none' });
const tracker = createTracker({ store: writer, clock: () => 0 });
for (let i = 0; i < day.lines.length; i += IN_FLIGHT) await Promise.all(day.lines.slice(i, i + IN_FLIGHT).map((l) => tracker.ingest(l)));
await writer.writeSnapshot(tracker.snapshot(), tracker.snapshotImage());
await writer.close();

// Each restart in a fresh process, as a real one is (and so neither pays to collect the other's heap).
for (const flag of [[], ['--snapshot']]) {
  const child = spawnSync(process.execPath, ['--max-old-space-size=14000', fileURLToPath(import.meta.url), '--restart-child', '--journal', path, ...flag], { stdio: 'inherit' });
  if (child.status !== 0) throw new Error('restart run failed');
}
rmSync(dir, { recursive: true, force: true });
