/**
 * Example: react to anomalies as they happen, and find operators stuck in after-call work.
 *
 *   npx tsx examples/stalled-acw.ts
 */
import { createTracker } from 'mluvii-state';

const session = { id: 7371450, tenantId: 62, channel: 'Phone', source: 'IncomingCall' };
const at = (minutes: number) => new Date(Date.UTC(2024, 4, 6, 8, minutes)).toISOString().replace('Z', '+00:00');
let now = Date.UTC(2024, 4, 6, 8, 0);
const tracker = createTracker({ clock: () => now, stalledAfter: { 'after-call-work': 10 * 60_000 } });

// Log every anomaly raised or resolved as events come in.
tracker.subscribe((notice) => {
  if (notice.type === 'anomaly-raised' || notice.type === 'anomaly-resolved') console.log(`${notice.type}: ${notice.anomaly.kind} ${notice.anomaly.message}`);
});

for (const body of [
  { eventType: 'SessionCreated', data: session },
  { eventType: 'SessionStarted', data: { ...session, started: at(0) } },
  { eventType: 'SessionOperatorJoined', data: { ...session, userId: 2710, time: at(1) } },
  { eventType: 'SessionEnded', data: { ...session, started: at(0), ended: at(5) } },
  { eventType: 'SessionOperatorLeft', data: { ...session, userId: 2710, time: at(5) } },
  // mluvii retried this one: the tracker reports the duplicate and ignores it.
  { eventType: 'SessionOperatorLeft', data: { ...session, userId: 2710, time: at(5) } },
]) await tracker.ingest(body);

// Twenty minutes later the operator is still in after-call work: stalled.
now = Date.UTC(2024, 4, 6, 8, 25);
for (const operator of tracker.operators({ inAfterCallWork: true })) {
  console.log(`operator ${operator.userId} is in after-call work on sessions ${operator.afterCallWorkSessionIds.join(', ')}`);
}
for (const anomaly of tracker.anomalies({ kind: 'stalled' })) {
  console.log(`stalled ${anomaly.stalled?.what} since ${anomaly.stalled?.since} on ${anomaly.stream}`);
}
