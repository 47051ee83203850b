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

const avResponse = (response: string, s: number) => ({ eventType: 'SessionActivityAvResponse', data: { sessionId: SESSION.id, operatorId: 2710, time: mluviiTime(at(s)), response } });
const missingOf = (t: Tracker) => t.anomalies({ kind: 'missing-transition' }).flatMap((a) => a.missing ?? []);

describe('every ending ends', () => {
  it('the activity SessionEnded ends a session whose SessionEnded was lost, with SessionEnded missing', async () => {
    const t = await given([ev.created(), ev.started(0), ev.activity('SessionEnded', 30, { client: 'Guest', terminationReason: 'GuestLeft' })]);
    expect(t.session(SESSION.id)).toMatchObject({ status: 'closed', terminationReason: 'GuestLeft' });
    expect(missingOf(t)).toEqual(['SessionEnded']);
    expect(t.anomalies({ kind: 'stalled' })).toEqual([]);
  });

  it('the missing SessionEnded is resolved when it arrives late, and the session ends as usual', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 5), ev.activity('SessionEnded', 30, { client: 'Guest', terminationReason: 'GuestLeft' })]);
    expect(missingOf(t)).toEqual(['SessionEnded']);
    const resolved: string[] = [];
    t.subscribe((n) => { if (n.type === 'anomaly-resolved') resolved.push(n.anomaly.kind); });
    for (const body of [ev.ended(30.5), ev.left(2710, 30.5), ev.concluded(2710, 60)]) await t.ingest(body);
    expect(resolved).toEqual(['missing-transition']);
    expect(kindsOf(t)).toEqual([]);
    expect(t.session(SESSION.id)).toMatchObject({ status: 'closed', endedAt: formatTimestampUs(at(30.5)) });
  });

  it('LastFarewellMessage (closed after 24 h in the queue) ends the session too', async () => {
    const t = await given([ev.created(), ev.started(0), ev.activity('LastFarewellMessage', 86_400)]);
    expect(t.session(SESSION.id)!.status).toBe('closed');
  });
});

describe('AV', () => {
  it('a rejected request followed by AvTerminated: nothing missing', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.av('AvRequest', 2710, 10), avResponse('Rejected', 12), ev.av('AvTerminated', 2710, 13)]);
    expect(kindsOf(t)).toEqual([]);
    expect(t.session(SESSION.id)).toMatchObject({ avActive: false, avSince: null });
  });

  it('a call still active at SessionEnded, AvTerminated a second later: nothing missing', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.av('AvRequest', 2710, 10), avResponse('Accepted', 11), ev.ended(40), ev.left(2710, 40), ev.av('AvTerminated', 2710, 41)]);
    expect(kindsOf(t)).toEqual([]);
  });

  it('a second request while one is pending is flagged: its answer was lost', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.av('AvRequest', 2710, 10), ev.av('AvRequest', 2710, 20)]);
    expect(missingOf(t)).toEqual(['SessionActivityAvResponse']);
    expect(t.session(SESSION.id)).toMatchObject({ avActive: true, avSince: formatTimestampUs(at(10)) });
  });
});

describe('after-call work per operator', () => {
  it('one operator in ACW while another is still joined: stalled after the threshold', async () => {
    const invite = ev.activity('OperatorInvited', 3, { userId: 2710, toOperatorUserId: 4254 });
    const bodies = [ev.created(), ev.started(0), ev.joined(2710, 1), invite, ev.joined(4254, 4), ev.ended(60), ev.left(2710, 60)];
    const t = await given(bodies, createTracker({ clock: () => at(60 + 20 * 60) / 1000 }));
    expect(t.session(SESSION.id)!.status).toBe('ended');
    const stalled = t.anomalies({ kind: 'stalled' });
    expect(stalled.map((a) => a.stalled?.what)).toContain('after-call-work');
    expect(stalled.find((a) => a.stalled?.what === 'after-call-work')!.message).toContain('operator 2710');
  });
});

describe('invitations and forms do not outlive their session', () => {
  it('an unanswered invitation expires when the session ends, and raises no stall after', async () => {
    const invite = ev.activity('OperatorInvited', 3, { userId: 2710, toOperatorUserId: 4254 });
    const t = await given([...closedSession().slice(0, 3), invite, ...closedSession().slice(3)], createTracker({ clock: () => at(3600) / 1000 }));
    expect(t.session(SESSION.id)!.operators.find((o) => o.userId === 4254)).toMatchObject({ status: 'expired', since: formatTimestampUs(at(60)) });
    expect(t.anomalies({ kind: 'stalled' })).toEqual([]);
  });

  it('a hero card or call script still pending at the end stops counting; a late call script submission is welcome', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.activity('HeroCard', 5), ev.activity('CallScript', 6), ev.ended(60), ev.left(2710, 60)]);
    expect(t.session(SESSION.id)!.pendingForms).toEqual([]);
    for (const body of [ev.concluded(2710, 90), ev.activity('CallScriptSubmission', 90.1, { client: 'Guest' })]) await t.ingest(body);
    expect(kindsOf(t)).toEqual([]);
  });

  it('property: every session that reached an end has no pending invite or form', async () => {
    await fc.assert(fc.asyncProperty(world, async (scenarios) => {
      const t = createTracker({ clock: () => 0 });
      for (const { body } of inTimeOrder(scenarios)) await t.ingest(body);
      for (const s of t.sessions()) {
        if (s.endedAt === null && s.status !== 'closed') continue;
        expect(s.pendingForms).toEqual([]);
        expect(s.operators.filter((o) => o.status === 'invited')).toEqual([]);
      }
    }), { numRuns: 200 });
  });
});

describe('forwards', () => {
  it('a forward to a phone number keeps its target, and the two reports of one forward are one', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1),
      ev.activity('SessionForwarded', 20, { userId: 2710, toPhoneNumber: '+420777123456' }),
      sessionBody('SessionForwarded', SESSION, { time: mluviiTime(at(20.2)), userId: null, operatorGroupId: null, chatbotId: null })]);
    expect(t.session(SESSION.id)!.forwards).toEqual([{
      at: formatTimestampUs(at(20)), to: { kind: 'phone', phoneNumber: '+420777123456' }, from: { kind: 'operator', userId: 2710 },
      reportedBy: ['SessionActivitySessionForwarded', 'SessionForwarded'],
    }]);
  });

  it('a forward to a group reported by the activity alone keeps the group', async () => {
    const t = await given([ev.created(), ev.started(0), ev.activity('SessionForwarded', 20, { userId: 2710, toGroupId: 12 })]);
    expect(t.session(SESSION.id)!.forwards.map((f) => f.to)).toEqual([{ kind: 'group', groupId: 12 }]);
  });
});

describe('re-delivered timeless signals', () => {
  it('replaying the same capture twice leaves every view equal, eventCount included', async () => {
    const bodies = [...closedSession(), sessionBody('SessionCallParamsUpdated', SESSION), sessionBody('SessionRecordingPostProcessingCompleted', SESSION)];
    const once = await given(bodies);
    const twice = await given([...bodies, ...bodies]);
    expect(twice.sessions()).toEqual(once.sessions());
    expect(twice.stats().duplicates).toBe(bodies.length);
  });

  it('UserStatusChanged keeps no identity: AWAY, ONLINE, AWAY are three changes', async () => {
    const t = await given([ev.status(2710, 'AWAY'), ev.status(2710, 'ONLINE'), ev.status(2710, 'AWAY')]);
    expect(t.stats().duplicates).toBe(0);
    expect(t.operator(2710)!.status).toBe('AWAY');
  });
});

describe('participation stints', () => {
  it('a ping-pong transfer (A -> B -> A) keeps both of A\'s stints', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.forwarded(4254, 10), ev.concluded(2710, 10), ev.joined(4254, 11),
      ev.forwarded(2710, 20), ev.concluded(4254, 20), ev.joined(2710, 21)]);
    const a = t.session(SESSION.id)!.operators.find((o) => o.userId === 2710)!;
    expect(a.stints).toEqual([
      { joinedAt: formatTimestampUs(at(1)), leftAt: null, concludedAt: formatTimestampUs(at(10)) },
      { joinedAt: formatTimestampUs(at(21)), leftAt: null, concludedAt: null },
    ]);
    expect(a).toMatchObject({ status: 'joined', joinedAt: formatTimestampUs(at(21)), concludedAt: null, since: formatTimestampUs(at(21)) });
  });

  it('property: a participation\'s stints are in time order and never overlap', async () => {
    await fc.assert(fc.asyncProperty(world, async (scenarios) => {
      const t = createTracker({ clock: () => 0 });
      for (const { body } of inTimeOrder(scenarios)) await t.ingest(body);
      for (const s of t.sessions()) {
        for (const o of s.operators) {
          const bounds = o.stints.flatMap((stint) => [stint.joinedAt, stint.leftAt, stint.concludedAt].filter((x): x is string => x !== null));
          expect(bounds).toEqual([...bounds].sort());
        }
      }
    }), { numRuns: 200 });
  });
});

describe('a chatbot conversation is not a guest waiting', () => {
  it('held by a chatbot: no queued stall; waiting starts when the chatbot forwards to a group', async () => {
    const chatbot = (s: number) => ev.activity('ChatbotMessage', s, { client: 'Chatbot', chatbotId: 329, chatbotMessageContent: 'Dobrý den' });
    const bodies = [ev.created(), ev.started(0), chatbot(1), chatbot(300)];
    const talking = await given(bodies, createTracker({ clock: () => at(900) / 1000 }));
    expect(talking.session(SESSION.id)!.queue).toEqual({ heldBy: 'chatbot', waitingSince: null, groupId: null });
    expect(talking.anomalies({ kind: 'stalled' })).toEqual([]);
    const forward = sessionBody('SessionForwarded', SESSION, { time: mluviiTime(at(320)), userId: null, operatorGroupId: 12, chatbotId: null });
    const waiting = await given([...bodies, forward], createTracker({ clock: () => at(320 + 11 * 60) / 1000 }));
    expect(waiting.session(SESSION.id)!.queue).toEqual({ heldBy: 'queue', waitingSince: formatTimestampUs(at(320)), groupId: 12 });
    expect(waiting.anomalies({ kind: 'stalled' }).map((a) => a.stalled?.since)).toEqual([formatTimestampUs(at(320))]);
  });
});

describe('every state says since when', () => {
  it('status, hold and the operator\'s presence (by receive time) have their since', async () => {
    const t = createTracker({ clock: () => 0 });
    for (const body of [ev.created(), ev.started(0), ev.joined(2710, 5), ev.activity('OnHold', 10)]) await t.ingest(body);
    await t.ingest(ev.status(2710, 'ONLINE'), { receivedAt: '2024-05-02T14:00:00Z' });
    await t.ingest(ev.status(2710, 'ONLINE'), { receivedAt: '2024-05-02T14:05:00Z' });
    expect(t.session(SESSION.id)).toMatchObject({ status: 'active', statusSince: formatTimestampUs(at(5)), onHold: true, onHoldSince: formatTimestampUs(at(10)) });
    expect(t.operator(2710)!.statusSince).toBe('2024-05-02T14:00:00.000Z');
    await t.ingest(ev.status(2710, 'AWAY'), { receivedAt: '2024-05-02T14:10:00Z' });
    expect(t.operator(2710)!.statusSince).toBe('2024-05-02T14:10:00.000Z');
  });
});

describe('phantom sessions', () => {
  it('a refresh signal for a session never seen otherwise is not counted or listed as a session', async () => {
    const t = await given([sessionBody('SessionCallParamsUpdated', { ...SESSION, id: 99 })]);
    expect(t.sessions()).toEqual([]);
    expect(Object.values(t.stats().sessionsByStatus).reduce((a, b) => a + b, 0)).toBe(0);
    expect(t.stats().signalOnlySessions).toBe(1);
    expect(t.session(99)).not.toBeNull();
  });
});

describe('UserStatusChanged re-delivered with its capture envelope', () => {
  it('the same body at the same recorded receive time is a duplicate; at another time, or live, it is a change', async () => {
    const t = createTracker({ clock: () => 0 });
    const away = ev.status(2710, 'AWAY');
    await t.ingest(away, { receivedAt: '2024-05-02T14:00:00Z' });
    expect((await t.ingest(away, { receivedAt: '2024-05-02T14:00:00Z' })).outcome).toBe('duplicate');
    expect((await t.ingest(away, { receivedAt: '2024-05-02T14:01:00Z' })).outcome).toBe('applied');
    expect((await t.ingest(away)).outcome).toBe('applied');
    expect((await t.ingest(away)).outcome).toBe('applied');
  });
});
