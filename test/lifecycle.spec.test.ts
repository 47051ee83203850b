/**
 * Lifecycle semantics a supervisor can trust (given/when/then): what a machine rejects changes
 * nothing, every ending ends, and every state says since when.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTracker, formatTimestampUs, type Tracker } from 'mluvii-state';
import { mluviiTime, sessionBody } from '../src/generate/bodies.js';
import { at, ev, given, SESSION } from './support/given.js';
import { inTimeOrder, world } from './support/scenarios.js';

const kindsOf = (t: Tracker) => t.anomalies().filter((a) => a.kind !== 'stalled').map((a) => a.kind);
/** What a user sees, less the two counters a rejected event may move. */
const picture = (t: Tracker) => JSON.parse(JSON.stringify({ sessions: t.sessions(), threads: t.emailThreads(), operators: t.operators() }),
  (key: string, value: unknown) => (key === 'eventCount' || key === 'lastEventAt' ? undefined : value));

const closedSession = () => [ev.created(), ev.started(0), ev.joined(2710, 5), ev.ended(60), ev.left(2710, 60), ev.concluded(2710, 90)];

describe('an event the machines reject changes no view', () => {
  it('a join after the session closed: flagged, and the session stays closed with no active operator', async () => {
    const t = await given([...closedSession(), ev.joined(4254, 120)]);
    expect(kindsOf(t)).toEqual(['unexpected-event']);
    expect(t.session(SESSION.id)).toMatchObject({ status: 'closed', closedAt: expect.any(String) });
    expect(t.session(SESSION.id)!.operators.map((o) => o.userId)).toEqual([2710]);
    expect(t.operator(4254)).toBeNull();
    expect(t.sessions({ operator: 4254 })).toEqual([]);
  });

  it('a second SessionStarted, SessionEnded or Concluded moves no time', async () => {
    const once = await given(closedSession());
    const twice = await given([...closedSession(), ev.started(100), ev.ended(110), ev.concluded(2710, 120)]);
    expect(kindsOf(twice)).toEqual(['unexpected-event', 'unexpected-event', 'unexpected-event']);
    expect(picture(twice)).toEqual(picture(once));
  });

  it('a repeated EmailThreadCreated keeps the thread\'s createdAt', async () => {
    const t = await given([ev.email('EmailThreadCreated', 5, 0), ev.email('EmailThreadCreated', 5, 30, { tenantId: 62 })]);
    expect(t.emailThread(5)!.createdAt).toBe(formatTimestampUs(at(0)));
    expect(kindsOf(t)).toEqual(['unexpected-event']);
  });

  it('property: appending any event the machines reject leaves every view unchanged but the counters', async () => {
    let rejected = 0;
    const probes = ['SessionStarted', 'SessionEnded', 'SessionOperatorJoined', 'SessionOperatorLeft', 'SessionOperatorConcluded', 'EmailThreadCreated'] as const;
    await fc.assert(fc.asyncProperty(world, fc.constantFrom(...probes), fc.constantFrom(2710, 4254, 4301), fc.nat(), async (scenarios, probe, userId, pick) => {
      const t = createTracker({ clock: () => 0 });
      for (const { body } of inTimeOrder(scenarios)) await t.ingest(body);
      const before = picture(t);
      const sessions = scenarios.filter((s) => s.kind === 'session');
      const threads = scenarios.filter((s) => s.kind === 'email');
      const late = mluviiTime(at(100_000));
      const body = probe === 'EmailThreadCreated'
        ? (threads.length === 0 ? null : { eventType: probe, data: { id: threads[pick % threads.length]!.id, tenantId: 62, created: late } })
        : sessionBody(probe, { ...SESSION, id: sessions[pick % sessions.length]!.id }, probe === 'SessionStarted' ? { started: late } : probe === 'SessionEnded' ? { started: null, ended: late } : { userId, time: late });
      if (body === null) return;
      const result = await t.ingest(body);
      const kinds = result.raised.map((a) => a.kind);
      if (kinds.includes('unexpected-event') && !kinds.includes('missing-transition')) {
        rejected++;
        expect(picture(t)).toEqual(before);
      }
    }), { numRuns: 300 });
    expect(rejected).toBeGreaterThan(30); // the property was exercised, not vacuous
  });
});
