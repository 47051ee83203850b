/**
 * Example: replay a stored capture programmatically and query the result.
 *
 *   npx tsx examples/replay-file.ts [file.ndjson]
 */
import { createTracker, readWebhookLines, replayInto } from 'mluvii-state';

const file = process.argv[2] ?? new URL('./data/sample-day.ndjson', import.meta.url).pathname;
const tracker = createTracker();
const replay = await replayInto(tracker, readWebhookLines(file));

const stats = tracker.stats();
console.log(`${replay.lines} lines, ${stats.applied} events applied, ${stats.duplicates} duplicates, ${stats.rejected} rejected`);
console.log(`sessions in after-call work: ${tracker.sessions({ status: 'after-call-work' }).map((s) => s.id).join(', ')}`);
console.log(`unassigned e-mail threads: ${tracker.emailThreads({ status: 'unassigned' }).length}`);
for (const anomaly of tracker.anomalies({ kind: 'missing-transition' }).slice(0, 3)) {
  console.log(`${anomaly.source}: ${anomaly.stream} ${anomaly.eventType} is missing ${anomaly.missing?.join(', ')}`);
}
