/** Given/when/then helpers: bodies for one session, built with the library's own body builders. */
import { expect } from 'vitest';
import { activityBody, mluviiTime, sessionBody } from '../../src/generate/bodies.js';
import { createTracker, type Anomaly, type Tracker } from 'mluvii-state';

export const SESSION = { id: 7371450, tenantId: 62, channel: 'Chat', source: 'Default' } as const;
const T0 = 1_714_658_724_454_661;
/** The time `seconds` after the scenario's start, in µs. */
export const at = (seconds: number) => T0 + Math.round(seconds * 1_000_000);

let activityId = 51_000_000;
export const ev = {
  created: () => sessionBody('SessionCreated', SESSION),
  started: (s: number) => sessionBody('SessionStarted', SESSION, { started: mluviiTime(at(s)) }),
  joined: (userId: number, s: number) => sessionBody('SessionOperatorJoined', SESSION, { userId, time: mluviiTime(at(s)) }),
  left: (userId: number, s: number) => sessionBody('SessionOperatorLeft', SESSION, { userId, time: mluviiTime(at(s)) }),
  concluded: (userId: number, s: number) => sessionBody('SessionOperatorConcluded', SESSION, { userId, time: mluviiTime(at(s)) }),
  ended: (s: number, startedS: number | null = 0) => sessionBody('SessionEnded', SESSION, { started: startedS === null ? null : mluviiTime(at(startedS)), ended: mluviiTime(at(s)) }),
  forwarded: (toUserId: number, s: number) => sessionBody('SessionForwarded', SESSION, { time: mluviiTime(at(s)), userId: toUserId, operatorGroupId: null, chatbotId: null }),
  activity: (type: Parameters<typeof activityBody>[0], s: number, fields: Record<string, unknown> = {}) => activityBody(type, SESSION.id, activityId++, at(s), fields),
  av: (kind: 'AvRequest' | 'AvTerminated', operatorId: number, s: number) => ({ eventType: `SessionActivity${kind}`, data: { sessionId: SESSION.id, operatorId, time: mluviiTime(at(s)) } }),
  email: (eventType: string, id: number, s: number, extra: Record<string, unknown> = {}) =>
    ({ eventType, data: { id, tenantId: 62, ...(eventType === 'EmailThreadCreated' ? { created: mluviiTime(at(s)) } : eventType === 'EmailThreadParamsUpdated' ? {} : { time: mluviiTime(at(s)) }), ...extra } }),
  status: (userId: number, status: string, availabilityStatus = 'DEFAULT') =>
    ({ eventType: 'UserStatusChanged', data: { userId, status, availabilityStatus, availabilityStatusReason: null } }),
};

/** Feeds bodies in the order given. */
export async function given(bodies: readonly object[], tracker: Tracker = createTracker({ clock: () => at(60) / 1000 })): Promise<Tracker> {
  for (const body of bodies) await tracker.ingest(body);
  return tracker;
}

/** Process and delivery anomalies, without `stalled` (clock-dependent). */
export const anomaliesOf = (tracker: Tracker): Anomaly[] => tracker.anomalies().filter((a) => a.kind !== 'stalled');

export function expectNoAnomalies(tracker: Tracker): void {
  expect(anomaliesOf(tracker).map((a) => `${a.kind}: ${a.eventType} ${a.message}`)).toEqual([]);
}
