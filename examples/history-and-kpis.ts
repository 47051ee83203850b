/**
 * Example: a tracker over a journal that keeps one hour of finished sessions in memory, then
 * answers for a retired session from the journal, lists sessions by close time, and reports the
 * day's KPIs (formulas: docs/kpis.md).
 *
 *   npx tsx examples/history-and-kpis.ts [file.ndjson]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJournalStore, createTracker, latestEventMs, readWebhookLines, replayInto } from 'mluvii-state';

const file = process.argv[2] ?? new URL('./data/sample-day.ndjson', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mluvii-example-'));
const journal = await createJournalStore({ path: join(dir, 'journal'), fsync: 'none' });
// Retirement runs on the capture's own receive times: one hour after its last event, a closed
// session leaves memory.
const tracker = createTracker({ store: journal, retainFor: 60 * 60 * 1000, clock: () => 0 });
await replayInto(tracker, readWebhookLines(file));
tracker.retire();

const closed = await tracker.findSessions({ status: 'closed' });
const retired = closed.filter((view) => tracker.session(view.id) === null);
console.log(`${closed.length} closed sessions, ${retired.length} of them retired from memory`);
const first = retired[0]!;
const back = await tracker.findSession(first.id); // read back from the journal
console.log(`session ${first.id}: ${back?.status}, queued ${back?.durations.queueMs} ms, handled ${back?.durations.handleMs} ms`);

// The day up to the capture's last event: sessions started in it, in memory or retired.
const end = (await latestEventMs(journal.read())) ?? Date.now();
const kpis = await tracker.kpis({ from: end - 86_400_000, to: end + 1 });
const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)} %`);
console.log(`offered ${kpis.offered}, answered ${kpis.answered}, abandoned ${kpis.abandoned}, service level ${percent(kpis.serviceLevel)}`);
await journal.close();
rmSync(dir, { recursive: true, force: true });
