/**
 * Durations and KPIs: hand-computed fixtures for each figure (multi-operator, transfer, hold,
 * abandon in the queue and after a chatbot, short abandon), and properties of the aggregates.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTracker, type SessionView, type Tracker } from 'mluvii-state';
import { activityBody, mluviiTime, sessionBody, type SessionRef } from '../src/generate/bodies.js';
import { inTimeOrder, shuffledArrival, world } from './support/scenarios.js';

const T0 = Date.parse('2024-05-02T08:00:00Z') * 1000;
let activityId = 60_000_000;

/** Bodies of one session numbered `id`, its times in seconds after T0 + `offset` minutes. */
function sessionOf(id: number, offset: number) {
  const s: SessionRef = { id, tenantId: 62, channel: 'Chat', source: 'Default' };
  const t = (seconds: number) => mluviiTime(T0 + (offset * 60 + seconds) * 1_000_000);
  const us = (seconds: number) => T0 + (offset * 60 + seconds) * 1_000_000;
  return {
    created: () => sessionBody('SessionCreated', s),
    started: (x: number) => sessionBody('SessionStarted', s, { started: t(x) }),
    joined: (userId: number, x: number) => sessionBody('SessionOperatorJoined', s, { userId, time: t(x) }),
    left: (userId: number, x: number) => sessionBody('SessionOperatorLeft', s, { userId, time: t(x) }),
    concluded: (userId: number, x: number) => sessionBody('SessionOperatorConcluded', s, { userId, time: t(x) }),
    ended: (x: number) => sessionBody('SessionEnded', s, { started: t(0), ended: t(x) }),
    toOperator: (userId: number, x: number) => sessionBody('SessionForwarded', s, { time: t(x), userId, operatorGroupId: null, chatbotId: null }),
    toGroup: (x: number) => sessionBody('SessionForwarded', s, { time: t(x), userId: null, operatorGroupId: 7299, chatbotId: null }),
    hold: (userId: number, x: number) => activityBody('OnHold', id, activityId++, us(x), { client: 'User', userId }),
    resume: (userId: number, x: number) => activityBody('ResumeGuest', id, activityId++, us(x), { client: 'User', userId }),
    chatbot: (x: number) => activityBody('ChatbotMessage', id, activityId++, us(x), { client: 'Chatbot', chatbotId: 329, chatbotMessageContent: 'Dobrý den' }),
  };
}

const a = sessionOf(1, 0); // answered after 30 s, 60 s on hold, 60 s after-call work
const b = sessionOf(2, 10); // answered after 10 s, forwarded to a second operator (the first concludes)
const c = sessionOf(3, 20); // abandoned in the queue after 40 s
const d = sessionOf(4, 30); // a chatbot for 19 s, then the queue, abandoned at 50 s
const e = sessionOf(5, 40); // short abandon: 3 s
const fixture = [
  a.created(), a.started(0), a.joined(2710, 30), a.hold(2710, 120), a.resume(2710, 180), a.ended(300), a.left(2710, 300), a.concluded(2710, 360),
  b.created(), b.started(0), b.joined(2710, 10), b.toOperator(2711, 60), b.concluded(2710, 60), b.joined(2711, 65),
  b.ended(200), b.left(2711, 200), b.concluded(2711, 230),
  c.created(), c.started(0), c.ended(40),
  d.created(), d.started(0), d.chatbot(1), d.chatbot(10), d.toGroup(20), d.ended(50),
  e.created(), e.started(0), e.ended(3),
];

async function fed(bodies: readonly object[]): Promise<Tracker> {
  const tracker = createTracker({ clock: () => T0 / 1000 + 3_600_000, retainFor: Infinity });
  for (const body of bodies) await tracker.ingest(body);
  return tracker;
}

const window = { from: T0 / 1000, to: T0 / 1000 + 3_600_000 };

describe('session durations (hand-computed)', () => {
  it('answered, with hold and after-call work', async () => {
    const t = await fed(fixture);
    expect(t.session(1)?.durations).toEqual({ queueMs: 30_000, chatbotMs: 0, talkMs: 210_000, holdMs: 60_000, afterCallWorkMs: 60_000, handleMs: 330_000, transfers: 0, complete: true });
  });
  it('two operators and a transfer: talk is the time anyone was joined', async () => {
    const t = await fed(fixture);
    expect(t.session(2)?.durations).toEqual({ queueMs: 10_000, chatbotMs: 0, talkMs: 185_000, holdMs: 0, afterCallWorkMs: 30_000, handleMs: 215_000, transfers: 1, complete: true });
  });
  it('abandoned in the queue, after a chatbot, and a short abandon', async () => {
    const t = await fed(fixture);
    expect(t.session(3)?.durations).toMatchObject({ queueMs: 40_000, chatbotMs: 0, talkMs: null, handleMs: null, transfers: 0 });
    expect(t.session(4)?.durations).toMatchObject({ queueMs: 31_000, chatbotMs: 19_000, talkMs: null, handleMs: null });
    expect(t.session(5)?.durations).toMatchObject({ queueMs: 3_000, handleMs: null });
  });
  it('is null while an interval is open, and incomplete where a transition was inferred', async () => {
    const open = await fed([a.created(), a.started(0), a.joined(2710, 30), a.hold(2710, 120)]);
    expect(open.session(1)?.durations).toMatchObject({ queueMs: 30_000, talkMs: null, holdMs: null, handleMs: null, complete: true });
    // The operator's Joined never arrived: their Left implies it.
    const inferred = await fed([a.created(), a.started(0), a.ended(300), a.left(2710, 300)]);
    expect(inferred.session(1)?.durations.complete).toBe(false);
  });
});

describe('KPIs (hand-computed)', () => {
  it('over the fixture window', async () => {
    const t = await fed(fixture);
    const kpis = await t.kpis(window);
    expect(kpis).toMatchObject({
      offered: 5, answered: 2, abandoned: 3, shortAbandoned: 1, open: 0, answeredWithinServiceLevel: 1,
      serviceLevel: 0.25, abandonmentRate: 0.5, averageSpeedOfAnswerMs: 20_000, averageHandleTimeMs: 272_500,
      longestWaitMs: 40_000, queueMsP50: 30_000, queueMsP90: 40_000, incomplete: 0,
    });
    expect(kpis.operators).toEqual([
      { userId: 2710, handled: 2, handleMs: 330_000 + 50_000, availableMs: 0, occupancy: null },
      { userId: 2711, handled: 1, handleMs: 165_000, availableMs: 0, occupancy: null },
    ]);
    // Per 15 minutes: sessions at minutes 0, 10 | 20 | 30, 40.
    const buckets = (await t.kpis({ ...window, interval: '15m' })).buckets!;
    expect(buckets.map((x) => x.offered)).toEqual([2, 1, 2, 0]);
  });

  it('occupancy: handle time over the time the operator was not OFFLINE in the window', async () => {
    const t = await fed(fixture);
    const status = (userId: number, value: string) => ({ eventType: 'UserStatusChanged', data: { userId, status: value, availabilityStatus: 'DEFAULT', availabilityStatusReason: null } });
    await t.ingest(status(2711, 'ONLINE'), { receivedAt: window.from - 60_000 });
    await t.ingest(status(2711, 'AWAY'), { receivedAt: window.from + 600_000 });
    await t.ingest(status(2711, 'OFFLINE'), { receivedAt: window.from + 1_500_000 });
    const [, operator] = (await t.kpis(window)).operators;
    expect(operator).toEqual({ userId: 2711, handled: 1, handleMs: 165_000, availableMs: 1_500_000, occupancy: 0.11 });
  });

  it('now(): who waits and for how long', async () => {
    const q = sessionOf(9, 0);
    const t = createTracker({ clock: () => T0 / 1000 + 90_000, retainFor: Infinity });
    for (const body of [q.created(), q.started(0), q.toGroup(30)]) await t.ingest(body);
    // The guest waits from the start (the queue holds a started session), 90 s by the clock.
    expect(t.now()).toMatchObject({ waiting: [{ sessionId: 9, waitingMs: 90_000, groupId: 7299 }], longestWaitMs: 90_000 });
  });

  it('now(): operators by presence and work agree with their views', async () => {
    const t = await fed(fixture.slice(0, 14)); // session 2 forwarded: operator 2711 joined, 2710 concluded
    await t.ingest({ eventType: 'UserStatusChanged', data: { userId: 2710, status: 'ONLINE', availabilityStatus: 'DEFAULT', availabilityStatusReason: null } });
    const views = t.operators();
    expect(t.now().operatorsByWork).toEqual({
      talking: views.filter((o) => o.activeSessionIds.length > 0).length,
      afterCallWork: views.filter((o) => o.activeSessionIds.length === 0 && o.afterCallWorkSessionIds.length > 0).length,
      idle: views.filter((o) => o.activeSessionIds.length === 0 && o.afterCallWorkSessionIds.length === 0).length,
    });
    expect(views.length).toBe(2);
    expect(t.now().operatorsByPresence).toEqual({ ONLINE: 1, unknown: 1 });
  });
});

describe('KPI properties', () => {
  const wide = { from: 0, to: Date.parse('2100-01-01T00:00:00Z') };
  const sessionsOf = (t: Tracker): SessionView[] => t.sessions();

  it('answered + abandoned + open = offered; rates within 0..1; buckets add up to the window; AHT is the mean of handleMs', async () => {
    await fc.assert(fc.asyncProperty(world, async (scenarios) => {
      const t = await fed(inTimeOrder(scenarios).map((e) => e.body));
      const kpis = await t.kpis({ ...wide, interval: '1d', from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2025-01-01T00:00:00Z') });
      expect(kpis.answered + kpis.abandoned + kpis.open).toBe(kpis.offered);
      for (const rate of [kpis.serviceLevel, kpis.abandonmentRate]) if (rate !== null) expect(rate).toBeGreaterThanOrEqual(0), expect(rate).toBeLessThanOrEqual(1);
      for (const key of ['offered', 'answered', 'abandoned', 'shortAbandoned', 'open', 'incomplete'] as const) {
        expect(kpis.buckets!.reduce((sum, bucket) => sum + bucket[key], 0)).toBe(kpis[key]);
      }
      const handles = sessionsOf(t).map((v) => v.durations.handleMs).filter((x): x is number => x !== null);
      expect(kpis.averageHandleTimeMs).toBe(handles.length === 0 ? null : handles.reduce((x, y) => x + y, 0) / handles.length);
    }), { numRuns: 150 });
  });

  it('KPIs of any arrival order equal those of in-order arrival', async () => {
    const year = { interval: '1d' as const, from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2025-01-01T00:00:00Z') };
    await fc.assert(fc.asyncProperty(shuffledArrival, fc.nat(), async ({ inOrder, arrival }, cut) => {
      const expected = await (await fed(inOrder.map((x) => x.body))).kpis(year);
      // Asked part-way too: what it remembers of closed sessions must not outlive a late event.
      const split = cut % (arrival.length + 1);
      const actual = await fed(arrival.slice(0, split).map((x) => x.body));
      await actual.kpis(year);
      for (const x of arrival.slice(split)) await actual.ingest(x.body);
      expect(await actual.kpis(year)).toEqual(expected);
    }), { numRuns: 100 });
  });
});
