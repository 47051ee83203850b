/**
 * `npm run bench:soak`: consecutive generated days through one journal-backed tracker, as a
 * service running for a week would take them. After each day: the tracker's memory (heap plus
 * ArrayBuffers after forced collections) and the process's RSS, and the time `serve` takes to
 * restart on the journal (until `/health` answers, views ready). The figures say how memory and
 * restart grow with history; the targets are memory and restart after the last day within 1.25x
 * of after the first.
 *
 * Options: --days N (default 7), --sessions N per day (default 90000), --seed S (default 1),
 * --keep DIR (leave the journal there, to look at a start of it afterwards).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createJournalStore, createTracker, generateLines, replayInto } from '../src/index.js';
import { unwrapLine, type WebhookLine } from '../src/replay/readWebhookLines.js';

const { values } = parseArgs({ options: {
  days: { type: 'string', default: '7' }, sessions: { type: 'string', default: '90000' }, seed: { type: 'string', default: '1' },
  keep: { type: 'string' },
} });
const days = Number(values.days);
const sessions = Number(values.sessions);
const DAY_MS = 86_400_000;
const FIRST_DAY_MS = 1_714_975_200_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc (npm run bench:soak does)');
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Time from starting `serve` on the journal until `/health` answers 200. */
async function restartSeconds(journal: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--max-old-space-size=14000', cli, 'serve', '--port', '0', '--store', journal, '--insecure-no-auth', '--snapshot-every', '0'],
    { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+)/.exec(out);
      if (match !== null) resolve(Number(match[1]));
    });
  });
  while ((await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0)) !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return seconds;
}

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'mluvii-soak-'));
const journalPath = join(dir, 'soak.journal');
const store = await createJournalStore({ path: journalPath, fsync: 'none' });
// The default retention (24 h), on the capture's own receive times.
const tracker = createTracker({ store, clock: () => 0 });
const generated = generateLines({ seed: Number(values.seed), sessions, days, envelope: true });

/** The generated lines of one day (by the receive time the envelope gives), the next day's first held back. */
let heldBack: string | null = null;
function* dayLines(day: number): Generator<WebhookLine> {
  const end = FIRST_DAY_MS + (day + 1) * DAY_MS;
  let n = 0;
  for (let text = heldBack ?? generated.lines.next().value; typeof text === 'string'; text = generated.lines.next().value) {
    heldBack = null;
    const item = unwrapLine(text, ++n);
    if (day < days - 1 && item.receivedAt !== undefined && Date.parse(item.receivedAt) >= end) {
      heldBack = text;
      return;
    }
    yield item;
  }
}

console.log(`soak: ${days} days of ${sessions} sessions into a journal (fsync none), then a restart of serve on it`);
console.log('day  deliveries  memory (heap+buffers)  RSS       journal    restart');
const first: { memory: number; restart: number } = { memory: 0, restart: 0 };
for (let day = 0; day < days; day++) {
  await replayInto(tracker, dayLines(day), { inFlight: 512 });
  await store.writeSnapshot(tracker.snapshot(), tracker.snapshotImage());
  gc(); gc();
  const { heapUsed, arrayBuffers, rss } = process.memoryUsage();
  const memory = heapUsed + arrayBuffers;
  const restart = await restartSeconds(journalPath);
  if (day === 0) Object.assign(first, { memory, restart });
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  console.log(`${String(day + 1).padStart(3)}  ${String(tracker.stats().deliveries).padStart(10)}  ${mib(memory).padStart(21)}  ${mib(rss).padStart(8)}  ${mib(statSync(journalPath).size).padStart(8)}  ${restart.toFixed(1).padStart(6)} s`);
  if (day === days - 1) {
    // Retired sessions read back from the journal: the first day's ids, which retired long ago.
    const retired = (await tracker.findSessions({ closedTo: FIRST_DAY_MS + DAY_MS })).map((view) => view.id);
    const times: number[] = [];
    for (let i = 0; i < Math.min(1000, retired.length); i++) {
      const id = retired[Math.floor((i * 7919) % retired.length)]!;
      const started = performance.now();
      await tracker.findSession(id);
      times.push(performance.now() - started);
      if (i % 100 === 99) tracker.retire();
    }
    times.sort((a, b) => a - b);
    console.log(`retired session view read from the journal: ${times.length} reads, p50 ${times[Math.floor(times.length * 0.5)]?.toFixed(2)} ms, p99 ${times[Math.floor(times.length * 0.99)]?.toFixed(2)} ms (target <= 10 ms)`);
    console.log(`after day ${days}: memory ${(memory / first.memory).toFixed(2)}x day 1 (target <= 1.25x), restart ${(restart / first.restart).toFixed(2)}x day 1 (target <= 1.25x and under 5 s: ${restart.toFixed(1)} s)`);
  }
}
await store.close();
if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });
