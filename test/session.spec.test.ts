/** Given/when/then specs of the session and participation lifecycles, through the tracker. */
import { describe, expect, it } from 'vitest';
import { mluviiTime, sessionBody } from '../src/generate/bodies.js';
import { anomaliesOf, at, ev, expectNoAnomalies, given, SESSION } from './support/given.js';

const id = SESSION.id;

describe('session lifecycle', () => {
  it('given Created and Started, it is queued', async () => {
    const t = await given([ev.created(), ev.started(0)]);
    expect(t.session(id)).toMatchObject({ status: 'queued', channel: 'Chat', source: 'Default', tenantId: 62, operators: [] });
    expectNoAnomalies(t);
  });

  it('given an operator joined, it is active and the operator is in it', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 0)]);
    expect(t.session(id)).toMatchObject({ status: 'active', operators: [{ userId: 2710, status: 'joined', joinedAt: '2024-05-02T14:05:24.454661Z' }] });
    expect(t.operator(2710)).toMatchObject({ activeSessionIds: [id], afterCallWorkSessionIds: [] });
    expectNoAnomalies(t);
  });

  it('when the operator clicks End: ended session, Left, after-call work, then closed on Concluded', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.activity('SessionEnded', 9, { client: 'User', userId: 2710, terminationReason: 'OperatorLeft' }), ev.ended(10), ev.left(2710, 10)]);
    expect(t.session(id)).toMatchObject({ status: 'after-call-work', terminationReason: 'OperatorLeft', endedAt: '2024-05-02T14:05:34.454661Z' });
    expect(t.operator(2710)).toMatchObject({ activeSessionIds: [], afterCallWorkSessionIds: [id] });
    await t.ingest(ev.concluded(2710, 70));
    expect(t.session(id)).toMatchObject({ status: 'closed', abandoned: false, closedAt: '2024-05-02T14:06:34.454661Z' });
    expectNoAnomalies(t);
  });

  it('with two operators only one gets Left; the other goes from joined straight to concluded', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.activity('OperatorInvited', 2, { client: 'User', userId: 2710, toOperatorUserId: 4254 }), ev.joined(4254, 3), ev.ended(10)]);
    expect(t.session(id)?.status).toBe('ended');
    await given([ev.left(2710, 10), ev.concluded(4254, 11)], t);
    expect(t.session(id)?.status).toBe('after-call-work');
    await t.ingest(ev.concluded(2710, 30));
    expect(t.session(id)?.operators.map((o) => o.status)).toEqual(['concluded', 'concluded']);
    expect(t.session(id)?.status).toBe('closed');
    expectNoAnomalies(t);
  });

  it('a session that ends with nobody ever joined is closed and abandoned', async () => {
    const t = await given([ev.created(), ev.started(0), ev.ended(30)]);
    expect(t.session(id)).toMatchObject({ status: 'closed', abandoned: true });
    expectNoAnomalies(t);
  });

  it('forwarding concludes the source and joins the target', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.forwarded(4, 5), ev.concluded(2710, 5.1), ev.joined(4, 6)]);
    expect(t.session(id)).toMatchObject({ status: 'active', forwards: [{ to: { kind: 'operator', userId: 4 } }] });
    expect(t.session(id)?.operators.map((o) => [o.userId, o.status])).toEqual([[2710, 'concluded'], [4, 'joined']]);
    expectNoAnomalies(t);
  });

  it('tracks hold, AV and pending forms as sub-lifecycles', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.activity('OnHold', 2, { client: 'User', userId: 2710 }), ev.av('AvRequest', 2710, 3), ev.activity('HeroCard', 4, { client: 'User', userId: 2710 })]);
    expect(t.session(id)).toMatchObject({ onHold: true, avActive: true, pendingForms: ['hero-card'] });
    await given([ev.activity('ResumeGuest', 5, { client: 'User', userId: 2710 }), ev.av('AvTerminated', 2710, 6)], t);
    expect(t.session(id)).toMatchObject({ onHold: false, avActive: false });
    expectNoAnomalies(t);
  });

  it('an invite can be rejected or canceled', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.activity('OperatorInvited', 2, { client: 'User', userId: 2710, toOperatorUserId: 4254 })]);
    expect(t.session(id)?.operators.find((o) => o.userId === 4254)?.status).toBe('invited');
    await t.ingest(ev.activity('OperatorInviteCanceled', 3, { client: 'User', userId: 2710 }));
    expect(t.session(id)?.operators.find((o) => o.userId === 4254)?.status).toBe('canceled');
    await given([ev.activity('OperatorInvited', 4, { client: 'User', userId: 2710, toOperatorUserId: 4301 }), ev.activity('OperatorInviteRejected', 5, { client: 'User', userId: 4301 })], t);
    expect(t.session(id)?.operators.find((o) => o.userId === 4301)?.status).toBe('rejected');
    expectNoAnomalies(t);
  });

  it('legitimate late events after the close raise nothing', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.activity('CallScript', 2), ev.ended(10), ev.left(2710, 10), ev.concluded(2710, 40),
      ev.activity('CallScriptSubmission', 41, { client: 'Guest' }), ev.activity('ChatToMail', 50, { client: 'Guest' }),
      { eventType: 'SessionCallParamsUpdated', data: { id, tenantId: 62 } }, { eventType: 'SessionRecordingPostProcessingCompleted', data: { id, tenantId: 62 } }]);
    expect(t.session(id)).toMatchObject({ status: 'closed', pendingForms: [] });
    expectNoAnomalies(t);
  });
});

describe('anomalies', () => {
  it('OperatorLeft with no Joined: missing-transition naming it, and the state advances as if it had happened', async () => {
    const t = await given([ev.created(), ev.started(0), ev.ended(10), ev.left(2710, 10)]);
    const [anomaly] = anomaliesOf(t);
    expect(anomaly).toMatchObject({ kind: 'missing-transition', severity: 'warning', eventType: 'SessionOperatorLeft', missing: ['SessionOperatorJoined'], stream: `session:${id}` });
    expect(t.session(id)?.status).toBe('after-call-work');
  });

  it('the late Joined resolves it, and subscribers hear so', async () => {
    const t = await given([ev.created(), ev.started(0), ev.ended(10), ev.left(2710, 10)]);
    const notices: string[] = [];
    t.subscribe((n) => notices.push(n.type === 'anomaly-raised' || n.type === 'anomaly-resolved' ? `${n.type}:${n.anomaly.kind}` : n.type));
    const result = await t.ingest(ev.joined(2710, 1));
    expect(result.resolved.map((a) => a.kind)).toEqual(['missing-transition']);
    expect(result.raised.map((a) => a.kind)).toEqual(['out-of-order']);
    expect(notices).toEqual(['state-changed', 'anomaly-raised:out-of-order', 'anomaly-resolved:missing-transition']);
    expect(anomaliesOf(t).map((a) => a.kind)).toEqual(['out-of-order']);
  });

  it('Started without Created names SessionCreated; Joined without Started names both', async () => {
    expect(anomaliesOf(await given([ev.started(0)]))[0]?.missing).toEqual(['SessionCreated']);
    expect(anomaliesOf(await given([ev.joined(2710, 0)]))[0]?.missing).toEqual(['SessionCreated', 'SessionStarted']);
  });

  it('an exact re-delivery is a duplicate and changes nothing', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1)]);
    const before = t.session(id);
    const result = await t.ingest(ev.joined(2710, 1));
    expect(result.outcome).toBe('duplicate');
    expect(t.session(id)).toEqual(before);
    expect(anomaliesOf(t)).toMatchObject([{ kind: 'duplicate', severity: 'info', eventType: 'SessionOperatorJoined' }]);
  });

  it('the same identity with other content is a conflicting duplicate', async () => {
    const t = await given([ev.created(), ev.started(0)]);
    const joined = ev.joined(2710, 1);
    await t.ingest(joined);
    await t.ingest({ ...joined, data: { ...joined.data, channel: 'AV' } });
    expect(anomaliesOf(t)).toMatchObject([{ kind: 'conflicting-duplicate', severity: 'warning' }]);
    expect(t.session(id)?.channel).toBe('Chat');
  });

  it('contradicting facts within a stream are inconsistent-data', async () => {
    const t = await given([ev.created(), ev.started(0), ev.ended(10, 3)]);
    expect(anomaliesOf(t)).toMatchObject([{ kind: 'inconsistent-data', eventType: 'SessionEnded' }]);
    const u = await given([ev.created(), { ...ev.started(0), data: { ...ev.started(0).data, source: 'WhatsApp' } }]);
    expect(anomaliesOf(u)[0]?.message).toContain('source');
  });

  it('an impossible sequence is an unexpected-event', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1), ev.ended(10), ev.left(2710, 10), ev.concluded(2710, 20), ev.concluded(2710, 30)]);
    expect(anomaliesOf(t)).toMatchObject([{ kind: 'unexpected-event', severity: 'error', eventType: 'SessionOperatorConcluded' }]);
  });

  it('bad bodies are dead-lettered as invalid-payload, unknown types kept as unknown-event-type', async () => {
    const t = await given([]);
    const rejected = await t.ingest('{"eventType":');
    expect(rejected).toMatchObject({ outcome: 'rejected', error: { code: 'invalid-json' } });
    expect((await t.ingest({ eventType: 'SessionTeleported', data: {} })).outcome).toBe('unknown');
    expect(anomaliesOf(t).map((a) => [a.kind, a.severity])).toEqual([['invalid-payload', 'error'], ['unknown-event-type', 'info']]);
    expect(t.store.read()).toHaveLength(2);
  });

  it('stalled is measured against the clock, with configurable thresholds', async () => {
    let now = 0;
    const { createTracker } = await import('mluvii-state');
    const t = await given([ev.created(), ev.started(0)], createTracker({ clock: () => now, stalledAfter: { queued: 60_000 } }));
    now = at(0) / 1000 + 30_000;
    expect(t.anomalies({ kind: 'stalled' })).toEqual([]);
    now += 60_000;
    expect(t.anomalies({ kind: 'stalled' })).toMatchObject([{ stream: `session:${id}`, stalled: { what: 'queued', thresholdMs: 60_000 } }]);
  });
});

describe('stalled sweeps', () => {
  it('tell subscribers when a session gets stuck and when it moves again', async () => {
    const { createTracker } = await import('mluvii-state');
    let now = at(0) / 1000;
    const t = await given([ev.created(), ev.started(0)], createTracker({ clock: () => now, stalledAfter: { queued: 60_000 } }));
    const notices: string[] = [];
    t.subscribe((n) => { if (n.type === 'anomaly-raised' || n.type === 'anomaly-resolved') notices.push(`${n.type}:${n.anomaly.kind}:${n.anomaly.stalled?.what}`); });
    expect(t.sweepStalled()).toEqual({ raised: [], resolved: [] });
    now += 120_000;
    expect(t.sweepStalled().raised.map((a) => a.stalled?.what)).toEqual(['queued']);
    expect(t.sweepStalled()).toEqual({ raised: [], resolved: [] }); // still stuck: said once
    await t.ingest(ev.joined(2710, 119));
    expect(t.sweepStalled().resolved.map((a) => a.stalled?.what)).toEqual(['queued']);
    expect(notices).toEqual(['anomaly-raised:stalled:queued', 'anomaly-resolved:stalled:queued']);
  });
});

describe('e-mail threads and presence', () => {
  it('a thread goes unassigned -> assigned -> unassigned, forwards counted', async () => {
    const t = await given([ev.email('EmailThreadCreated', 749422, 0), ev.email('EmailThreadOperatorJoined', 749422, 5, { userId: 2710 })]);
    expect(t.emailThread(749422)).toMatchObject({ status: 'assigned', operatorUserId: 2710 });
    expect(t.operator(2710)?.assignedEmailThreadIds).toEqual([749422]);
    await given([ev.email('EmailThreadForwarded', 749422, 9, { userId: 4254, operatorGroupId: null }), ev.email('EmailThreadOperatorLeft', 749422, 9, { userId: 2710 })], t);
    expect(t.emailThread(749422)).toMatchObject({ status: 'unassigned', operatorUserId: null, forwardCount: 1 });
    expect(t.emailThreads({ status: 'unassigned' }).map((e) => e.id)).toEqual([749422]);
    expectNoAnomalies(t);
  });

  it('presence: the last delivered status wins, unknown values kept', async () => {
    const t = await given([ev.status(2710, 'AWAY', 'AWAY'), ev.status(2710, 'ONLINE'), ev.status(2710, 'AWAY', 'AWAY'), ev.status(2710, 'HOLOGRAM', 'ON_CALL')]);
    expect(t.operator(2710)).toMatchObject({ status: 'HOLOGRAM', availability: 'ON_CALL' });
    expect(t.operators({ status: 'HOLOGRAM' }).map((o) => o.userId)).toEqual([2710]);
    expectNoAnomalies(t);
  });

  it('entities that share a number (or its low bits) keep their own streams, interleaved', async () => {
    const alias = { ...SESSION, id: id + (1 << 13) };
    const t = await given([
      ev.created(), ev.email('EmailThreadCreated', id, 0), sessionBody('SessionCreated', alias), ev.status(id, 'ONLINE'),
      ev.started(0), ev.email('EmailThreadOperatorJoined', id, 1, { userId: 2710 }), sessionBody('SessionStarted', alias, { started: mluviiTime(at(2)) }),
      ev.joined(2710, 3), ev.status(id, 'AWAY'),
    ]);
    expect(t.session(id)).toMatchObject({ status: 'active', eventCount: 3 });
    expect(t.session(alias.id)).toMatchObject({ status: 'queued', eventCount: 2 });
    expect(t.emailThread(id)).toMatchObject({ status: 'assigned', operatorUserId: 2710, eventCount: 2 });
    expect(t.operator(id)?.status).toBe('AWAY');
    expectNoAnomalies(t);
  });
});

describe('views', () => {
  it('are frozen: a caller cannot corrupt tracker state', async () => {
    const t = await given([ev.created(), ev.started(0), ev.joined(2710, 1)]);
    const view = t.session(id)!;
    expect(Object.isFrozen(view) && Object.isFrozen(view.operators) && Object.isFrozen(view.operators[0])).toBe(true);
    expect(() => { (view as { status: string }).status = 'closed'; }).toThrow();
    expect(t.session(id)?.status).toBe('active');
  });

  it('filter sessions by operator and status; an operator lists the sessions it is in', async () => {
    const other = { ...SESSION, id: id + 1 };
    const t = await given([
      ev.created(), ev.started(0), ev.joined(2710, 1), ev.joined(4254, 2),
      sessionBody('SessionCreated', other), sessionBody('SessionStarted', other, { started: mluviiTime(at(0)) }),
      sessionBody('SessionOperatorJoined', other, { userId: 4254, time: mluviiTime(at(3)) }),
      sessionBody('SessionEnded', other, { started: mluviiTime(at(0)), ended: mluviiTime(at(4)) }),
      sessionBody('SessionOperatorLeft', other, { userId: 4254, time: mluviiTime(at(4)) }),
    ]);
    expect(t.sessions({ operator: 4254 }).map((s) => s.id)).toEqual([id, other.id]);
    expect(t.sessions({ operator: 2710 }).map((s) => s.id)).toEqual([id]);
    expect(t.sessions({ operator: 4254, status: 'after-call-work' }).map((s) => s.id)).toEqual([other.id]);
    expect(t.sessions({ operator: 2710, status: 'after-call-work' })).toEqual([]);
    expect(t.sessions({ operator: 1 })).toEqual([]);
    expect(t.operator(4254)).toMatchObject({ activeSessionIds: [id], afterCallWorkSessionIds: [other.id] });
    expectNoAnomalies(t);
  });

  it('timeline lists the events in canonical order with the state after each', async () => {
    const t = await given([ev.created(), ev.joined(2710, 1), ev.started(0)]);
    const timeline = t.timeline(`session:${id}`);
    expect(timeline.map((i) => i.eventType)).toEqual(['SessionCreated', 'SessionStarted', 'SessionOperatorJoined']);
    expect(timeline.map((i) => (i.state as { status: string }).status)).toEqual(['created', 'queued', 'active']);
    expect(timeline[1]!.anomalies.map((a) => a.kind)).toEqual(['out-of-order']);
  });
});
