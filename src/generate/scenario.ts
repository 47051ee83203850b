/**
 * Valid lifecycles, as mluvii would send them, from a random source: sessions (chatbot first or
 * not, one to three operators, invites, forwards, holds, AV, hero cards, call scripts, ACW,
 * abandonment, late legitimate events), e-mail threads and presence changes. Each scenario says
 * what status its entity must end in, computed here independently of the tracker.
 */
import { activityBody, mluviiTime, sessionBody, type SessionRef, type WebhookBody } from './bodies.js';
import type { EmailThreadStatus, SessionStatus } from '../types.js';

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a small seeded PRNG, so a seed always gives the same stream. */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TimedBody { readonly body: WebhookBody; /** Event time (µs), or the time it is sent for timeless events. */ readonly at: number }

export interface SessionScenario {
  readonly kind: 'session';
  readonly id: number;
  readonly events: TimedBody[];
  readonly expectedStatus: SessionStatus;
  readonly abandoned: boolean;
  /** Operators that end joined / in ACW, for checks. */
  readonly operators: readonly number[];
}

export interface EmailScenario { readonly kind: 'email'; readonly id: number; readonly events: TimedBody[]; readonly expectedStatus: EmailThreadStatus }
export interface PresenceScenario { readonly kind: 'presence'; readonly userId: number; readonly events: TimedBody[]; readonly expectedStatus: string }
export type Scenario = SessionScenario | EmailScenario | PresenceScenario;

const CHANNELS = ['Chat', 'Chat', 'Chat', 'AV', 'Phone'] as const;
const SOURCES: Record<string, readonly string[]> = {
  Chat: ['Default', 'Default', 'WhatsApp', 'Facebook', 'ChatInvitation', 'API'],
  AV: ['Default', 'Invitation'],
  Phone: ['IncomingCall', 'OutgoingCall', 'Callback', 'Campaign'],
};
const TERMINATION = ['GuestLeft', 'OperatorLeft', 'OperatorLeft', 'GuestAbandoned', 'ChatbotLeft'] as const;
const MESSAGES = ['Dobrý den', 'Potřebuji pomoc s objednávkou.', 'Moment, ověřím to.', 'Děkuji, na shledanou.', 'Jaké je číslo objednávky?'];

export interface ScenarioIds { nextActivityId(): number }

export interface SessionOptions {
  readonly id: number;
  readonly startUs: number;
  readonly tenantId?: number;
  /** Operator user ids to draw from. */
  readonly operatorPool: readonly number[];
  readonly chatbotIds?: readonly number[];
  /** Stop the lifecycle at a random point (an open session). */
  readonly allowOpen?: boolean;
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p: number) => random() < p;

/** A session's full lifecycle. Event times strictly increase (ties are the fold's business, not the generator's). */
export function generateSession(random: Random, ids: ScenarioIds, o: SessionOptions): SessionScenario {
  const channel = pick(random, CHANNELS);
  const s: SessionRef = { id: o.id, tenantId: o.tenantId ?? 62, channel, source: pick(random, SOURCES[channel]!) };
  const events: TimedBody[] = [];
  let now = o.startUs;
  const tick = (maxSeconds = 30) => (now += 1 + Math.floor(random() * maxSeconds * 1_000_000));
  const push = (body: WebhookBody, at = now) => events.push({ body, at });
  const activity = (type: Parameters<typeof activityBody>[0], fields: Record<string, unknown> = {}) =>
    push(activityBody(type, s.id, ids.nextActivityId(), tick(), fields));
  const chat = (n: number, operator: number | null) => {
    for (let i = 0; i < n; i++) {
      const byOperator = operator !== null && chance(random, 0.5);
      activity('ChatMessage', byOperator ? { client: 'User', userId: operator, text: pick(random, MESSAGES) } : { client: 'Guest', text: pick(random, MESSAGES) });
    }
  };
  const open = o.allowOpen === true && chance(random, 0.25);
  const stopAt = open ? Math.floor(random() * 4) : 99; // which phase an open session stops after

  push(sessionBody('SessionCreated', s), now);
  const started = tick(2);
  push(sessionBody('SessionStarted', s, { started: mluviiTime(started) }));
  const chatbotIds = o.chatbotIds ?? [329];
  const chatbotFirst = channel === 'Chat' && chance(random, 0.3);
  const chatbotId = pick(random, chatbotIds);
  if (chatbotFirst) {
    activity('WelcomeMessage', { text: 'Dobrý den, jsem virtuální asistent.' });
    for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) activity('ChatbotMessage', { client: 'Chatbot', chatbotId, chatbotMessageContent: pick(random, MESSAGES) });
    if (chance(random, 0.3)) {
      activity('HeroCard', { client: 'Chatbot', chatbotId, heroCard: [{ inputType: 'Text', label: 'E-mail', key: 'oo1_guest_email', required: true, ordinal: 1 }], formFieldSetUUID: 'e5e7d280-9d29-4668-ae92-2dd27a8902cf' });
      push({ eventType: 'SessionActivityHeroCardSubmission', data: { sessionId: s.id, result: 'Submitted', originalFormID: 2273, submittedByClient: true, params: { oo1_guest_email: 'jan@example.com' }, time: mluviiTime(tick()) } });
    }
  }
  const abandoned = chance(random, 0.12);
  const joined = new Set<number>();
  const operators: number[] = [];
  const finish = (status: SessionStatus, isAbandoned = false): SessionScenario =>
    ({ kind: 'session', id: s.id, events, expectedStatus: status, abandoned: isAbandoned, operators });

  if (abandoned) {
    chat(Math.floor(random() * 3), null);
    if (stopAt === 0) return finish('queued');
    if (chatbotFirst) activity('SessionEnded', { client: 'Chatbot', chatbotId, terminationReason: 'GuestAbandoned' });
    else activity('SessionEnded', { client: 'Guest', terminationReason: 'GuestAbandoned' });
    push(sessionBody('SessionEnded', s, { started: mluviiTime(started), ended: mluviiTime(tick(1)) }));
    if (chance(random, 0.3)) push(sessionBody('SessionCallParamsUpdated', s), tick());
    return finish('closed', true);
  }
  if (stopAt === 0) return finish('queued');

  const pool = [...o.operatorPool];
  const takeOperator = () => pool.splice(Math.floor(random() * pool.length), 1)[0]!;
  const first = takeOperator();
  if (chatbotFirst) {
    const groupId = 7299;
    activity('SessionForwarded', { client: 'Chatbot', chatbotId, toGroupId: groupId, toGroupName: 'Podpora' });
    push(sessionBody('SessionForwarded', s, { time: mluviiTime(tick(1)), userId: null, operatorGroupId: groupId, chatbotId: null }));
  }
  push(sessionBody('SessionOperatorJoined', s, { userId: first, time: mluviiTime(tick()) }));
  joined.add(first);
  operators.push(first);
  chat(1 + Math.floor(random() * 6), first);
  if (channel === 'Phone' && s.source === 'Campaign') activity('CallScript', { callScript: [{ inputType: 'Text', label: 'Dispozice', key: 'dispozice', required: true, ordinal: 1 }], formFieldSetUUID: 'afebe607-a007-489d-ba03-dd9deaa17f8d' });
  const callScript = channel === 'Phone' && s.source === 'Campaign';
  if (chance(random, 0.2)) {
    activity('OnHold', { client: 'User', userId: first });
    activity('ResumeGuest', { client: 'User', userId: first });
  }
  if (channel === 'Chat' && chance(random, 0.15)) {
    push({ eventType: 'SessionActivityAvRequest', data: { sessionId: s.id, operatorId: first, time: mluviiTime(tick()) } });
    const accepted = chance(random, 0.7);
    push({ eventType: 'SessionActivityAvResponse', data: { sessionId: s.id, operatorId: first, time: mluviiTime(tick(5)), response: accepted ? 'Accepted' : 'RejectedUser' } });
    if (accepted) {
      push({ eventType: 'SessionActivityAvMediaResult', data: { sessionId: s.id, operatorId: first, time: mluviiTime(tick(2)), result: 'Success', isStreamAvailable: true } });
      push({ eventType: 'SessionActivityAvTerminated', data: { sessionId: s.id, operatorId: first, time: mluviiTime(tick(120)) } });
    }
  }
  if (chance(random, 0.15)) {
    activity('HeroCard', { client: 'User', userId: first, heroCard: [{ inputType: 'Text', label: 'Jméno', key: 'oo1_guest_ident', required: true, ordinal: 1 }], formFieldSetUUID: 'e5e7d280-9d29-4668-ae92-2dd27a8902cf' });
    push({ eventType: 'SessionActivityHeroCardSubmission', data: { sessionId: s.id, result: chance(random, 0.8) ? 'Submitted' : 'Cancelled', originalFormID: 3371, submittedByClient: true, params: { oo1_guest_ident: 'Jan Novák' }, time: mluviiTime(tick()) } });
  }
  // Invite a colleague: accepted, rejected or canceled.
  if (pool.length > 0 && chance(random, 0.25)) {
    const invitee = takeOperator();
    activity('OperatorInvited', { client: 'User', userId: first, toOperatorUserId: invitee, toOperatorFullName: 'Jan Novák', note: '' });
    const outcome = random();
    if (outcome < 0.6) {
      push(sessionBody('SessionOperatorJoined', s, { userId: invitee, time: mluviiTime(tick()) }));
      joined.add(invitee);
      operators.push(invitee);
      chat(1 + Math.floor(random() * 3), invitee);
    } else if (outcome < 0.8) {
      activity('OperatorInviteRejected', { client: 'User', userId: invitee });
    } else {
      activity('OperatorInviteCanceled', { client: 'User', userId: first });
    }
  }
  if (stopAt === 1) return finish('active');
  // Forward from the first operator to another one.
  let lead = first;
  if (pool.length > 0 && joined.size === 1 && chance(random, 0.2)) {
    const target = takeOperator();
    activity('SessionForwarded', { client: 'User', userId: first, toOperatorUserId: target, toOperatorFullName: 'Ondřej Fogatoš' });
    push(sessionBody('SessionForwarded', s, { time: mluviiTime(tick(1)), userId: target, operatorGroupId: null, chatbotId: null }));
    push(sessionBody('SessionOperatorConcluded', s, { userId: first, time: mluviiTime(tick(1)) }));
    joined.delete(first);
    push(sessionBody('SessionOperatorJoined', s, { userId: target, time: mluviiTime(tick()) }));
    joined.add(target);
    operators.push(target);
    lead = target;
    chat(1 + Math.floor(random() * 4), target);
  }
  if (stopAt === 2) return finish('active');

  // The end: the lead clicks End (Left at the same instant, then ACW); the others conclude.
  const guestEnds = chance(random, 0.3);
  activity('SessionEnded', guestEnds ? { client: 'Guest', terminationReason: 'GuestLeft' } : { client: 'User', userId: lead, terminationReason: pick(random, TERMINATION) });
  const ended = tick(1);
  push(sessionBody('SessionEnded', s, { started: mluviiTime(started), ended: mluviiTime(ended) }));
  push(sessionBody('SessionOperatorLeft', s, { userId: lead, time: mluviiTime(ended) }));
  joined.delete(lead);
  for (const other of joined) push(sessionBody('SessionOperatorConcluded', s, { userId: other, time: mluviiTime(tick(5)) }));
  if (stopAt === 3) return finish('after-call-work');
  push(sessionBody('SessionOperatorConcluded', s, { userId: lead, time: mluviiTime(tick(120)) }));
  if (callScript) activity('CallScriptSubmission', { client: 'Guest' });
  if (chance(random, 0.2)) activity('ChatToMail', { client: 'Guest' });
  if (chance(random, 0.3)) push(sessionBody('SessionCallParamsUpdated', s), tick());
  if (channel !== 'Chat' && chance(random, 0.5)) push(sessionBody('SessionRecordingPostProcessingCompleted', s), tick(60));
  return finish('closed');
}

/** An e-mail thread: created, taken, answered, maybe forwarded and taken again. */
export function generateEmailThread(random: Random, o: { id: number; startUs: number; tenantId?: number; operatorPool: readonly number[] }): EmailScenario {
  const tenantId = o.tenantId ?? 62;
  const events: TimedBody[] = [];
  let now = o.startUs;
  const t = () => mluviiTime((now += 1 + Math.floor(random() * 600_000_000)));
  const body = (eventType: string, extra: Record<string, unknown>) => ({ body: { eventType, data: { id: o.id, tenantId, ...extra } }, at: now });
  events.push(body('EmailThreadCreated', { created: t() }));
  if (chance(random, 0.2)) return { kind: 'email', id: o.id, events, expectedStatus: 'unassigned' };
  let operator = pick(random, o.operatorPool);
  events.push(body('EmailThreadOperatorJoined', { userId: operator, time: t() }));
  if (chance(random, 0.25)) return { kind: 'email', id: o.id, events, expectedStatus: 'assigned' };
  if (chance(random, 0.3)) {
    const target = pick(random, o.operatorPool);
    const at = t();
    events.push(body('EmailThreadForwarded', { time: at, userId: target, operatorGroupId: null }));
    events.push(body('EmailThreadOperatorLeft', { userId: operator, time: at }));
    operator = target;
    events.push(body('EmailThreadOperatorJoined', { userId: operator, time: t() }));
  }
  events.push(body('EmailThreadOperatorLeft', { userId: operator, time: t() }));
  if (chance(random, 0.3)) events.push({ body: { eventType: 'EmailThreadParamsUpdated', data: { id: o.id, tenantId } }, at: now });
  return { kind: 'email', id: o.id, events, expectedStatus: 'unassigned' };
}

const STATUSES = [['ONLINE', 'DEFAULT'], ['AWAY', 'AWAY'], ['ONLINE', 'ON_CALL'], ['BUSY', 'DEFAULT'], ['OFFLINE', 'DEFAULT']] as const;

/** Presence changes of one operator (no timestamps: `at` is when each is sent). */
export function generatePresence(random: Random, o: { userId: number; startUs: number; changes: number }): PresenceScenario {
  const events: TimedBody[] = [];
  let now = o.startUs;
  let last = 'OFFLINE';
  for (let i = 0; i < o.changes; i++) {
    const [status, availability] = pick(random, STATUSES);
    now += 1 + Math.floor(random() * 3_600_000_000);
    events.push({ body: { eventType: 'UserStatusChanged', data: { userId: o.userId, status, availabilityStatus: availability, availabilityStatusReason: null } }, at: now });
    last = status;
  }
  return { kind: 'presence', userId: o.userId, events, expectedStatus: last };
}

/**
 * Indexes of the events whose loss the tracker must notice as a missing transition, given what
 * else the scenario holds: the loss of a chat message is invisible to anyone, the loss of a
 * SessionOperatorJoined followed by that operator's Left is not.
 */
export function detectableDrops(events: readonly TimedBody[]): number[] {
  const type = (i: number) => events[i]!.body.eventType;
  const data = (i: number) => events[i]!.body.data;
  const later = (i: number, test: (j: number) => boolean) => events.some((_, j) => j > i && test(j));
  const rules: Record<string, (i: number) => boolean> = {
    SessionCreated: (i) => later(i, (j) => ['SessionStarted', 'SessionOperatorJoined', 'SessionEnded', 'SessionOperatorLeft'].includes(type(j))),
    SessionStarted: (i) => later(i, (j) => ['SessionOperatorJoined', 'SessionEnded', 'SessionOperatorLeft'].includes(type(j))),
    SessionOperatorJoined: (i) =>
      later(i, (j) => ['SessionOperatorLeft', 'SessionOperatorConcluded'].includes(type(j)) && data(j).userId === data(i).userId)
      && !events.some((_, j) => j !== i && type(j) === 'SessionOperatorJoined' && data(j).userId === data(i).userId),
    SessionEnded: (i) => later(i, (j) => type(j) === 'SessionOperatorLeft'),
    SessionActivityOnHold: () => true,
    SessionActivityAvRequest: (i) => later(i, (j) => type(j) === 'SessionActivityAvTerminated' || (type(j) === 'SessionActivityAvResponse' && data(j).response === 'Accepted')),
    SessionActivityHeroCard: (i) => later(i, (j) => type(j) === 'SessionActivityHeroCardSubmission'),
    SessionActivityCallScript: (i) => later(i, (j) => type(j) === 'SessionActivityCallScriptSubmission'),
    SessionActivityOperatorInvited: (i) => later(i, (j) => type(j) === 'SessionActivityOperatorInviteRejected' && data(j).userId === data(i).toOperatorUserId),
    EmailThreadCreated: (i) => later(i, () => true),
    EmailThreadOperatorJoined: (i) => later(i, (j) => type(j) === 'EmailThreadOperatorLeft' && data(j).userId === data(i).userId)
      && !events.some((_, j) => j < i && type(j) === 'EmailThreadForwarded'),
  };
  return events.map((_, i) => i).filter((i) => rules[type(i)]?.(i) ?? false);
}
