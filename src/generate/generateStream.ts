/**
 * A realistic synthetic day of webhooks, deterministic from a seed: sessions of every channel and
 * source, chatbot-first ones, one to three operators, invites, forwards, holds, AV upgrades, hero
 * cards, call scripts, ACW, abandonment, late legitimate events, e-mail threads and presence
 * changes, interleaved by time across entities. Optionally injects delivery faults (drops,
 * duplicates, reorderings) and reports exactly what it injected, so a replay can be scored.
 */
import { EVENT_CATALOGUE, type EventType } from '../catalogue/catalogue.js';
import { createRandom, detectableDrops, generateEmailThread, generatePresence, generateSession, type Scenario, type TimedBody } from './scenario.js';

export interface GenerateOptions {
  readonly seed?: number;
  readonly sessions?: number;
  /** E-mail threads; default sessions / 10. */
  readonly emailThreads?: number;
  /** Operators; default max(5, sessions / 40). */
  readonly operators?: number;
  /** Start of the day (epoch µs); default 2024-05-06T06:00:00Z. */
  readonly startUs?: number;
  /**
   * Fault rate: each delivery is duplicated with probability rate/3 and delayed (reordered) with
   * rate/3; each detectable event is dropped with rate/3 (at most one drop per stream).
   */
  readonly anomalies?: number;
  /** Write each line as a stored-capture envelope `{"receivedAt": ISO, "body": ...}`. */
  readonly envelope?: boolean;
}

/** One injected fault. `line` is 1-based in the generated output. */
export type InjectedFault =
  | { readonly kind: 'drop'; readonly eventType: string; readonly stream: string; readonly body: string }
  | { readonly kind: 'duplicate'; readonly eventType: string; readonly stream: string; readonly line: number }
  | { readonly kind: 'reorder'; readonly eventType: string; readonly stream: string; readonly line: number };

export interface GeneratedStream {
  /** Webhook bodies (JSON text), in arrival order. */
  readonly lines: string[];
  readonly scenarios: readonly Scenario[];
  readonly truth: { readonly seed: number; readonly faults: readonly InjectedFault[] };
}

const DAY_US = 86_400_000_000;

function streamOf(body: TimedBody['body']): string {
  const d = body.data;
  if (body.eventType.startsWith('Email')) return `email:${d.id}`;
  if (body.eventType === 'UserStatusChanged') return `operator:${d.userId}`;
  return `session:${d.sessionId ?? d.id}`;
}

/** Refresh signals without time or identity: a copy or a move of one is not a detectable fault. */
const REFRESH = new Set(['UserStatusChanged', 'SessionCallParamsUpdated', 'SessionRecordingPostProcessingCompleted', 'EmailThreadParamsUpdated', 'GuestIdentityUpdated', 'ApplicationSettingChanged']);

interface Delivery { readonly body: TimedBody['body']; readonly text: string; readonly at: number; readonly rank: number; readonly stream: string }

export function generateStream(options: GenerateOptions = {}): GeneratedStream {
  const seed = options.seed ?? 1;
  const random = createRandom(seed);
  const sessionCount = options.sessions ?? 100;
  const threadCount = options.emailThreads ?? Math.floor(sessionCount / 10);
  const operatorCount = options.operators ?? Math.max(5, Math.floor(sessionCount / 40));
  const startUs = options.startUs ?? 1_714_975_200_000_000;
  const rate = options.anomalies ?? 0;
  const operatorPool = Array.from({ length: operatorCount }, (_, i) => 2700 + i);
  let activityId = 50_000_000;
  const ids = { nextActivityId: () => activityId++ };

  const scenarios: Scenario[] = [];
  for (let i = 0; i < sessionCount; i++) {
    const at = startUs + Math.floor(random() * DAY_US * 0.9);
    scenarios.push(generateSession(random, ids, { id: 7_400_000 + i, startUs: at, operatorPool, chatbotIds: [329, 331], allowOpen: true }));
  }
  for (let i = 0; i < threadCount; i++) {
    scenarios.push(generateEmailThread(random, { id: 750_000 + i, startUs: startUs + Math.floor(random() * DAY_US * 0.9), operatorPool }));
  }
  for (const userId of operatorPool) scenarios.push(generatePresence(random, { userId, startUs, changes: 1 + Math.floor(random() * 4) }));

  // Drops: at most one per stream, and only of events whose loss the rest of the stream reveals.
  const faults: InjectedFault[] = [];
  const deliveries: Delivery[] = [];
  for (const scenario of scenarios) {
    const droppable = rate > 0 ? new Set(detectableDrops(scenario.events)) : new Set<number>();
    let dropped = false;
    scenario.events.forEach(({ body, at }, i) => {
      const delivery: Delivery = { body, text: JSON.stringify(body), at, rank: EVENT_CATALOGUE[body.eventType as EventType].rank, stream: streamOf(body) };
      if (!dropped && droppable.has(i) && random() < rate / 3) {
        dropped = true;
        faults.push({ kind: 'drop', eventType: body.eventType, stream: delivery.stream, body: delivery.text });
      } else {
        deliveries.push(delivery);
      }
    });
  }
  // Interleave by time (a stable sort keeps each scenario's own order for ties).
  deliveries.sort((a, b) => a.at - b.at);

  // Duplicates (a copy delivered again a little later) and reorderings (delivered late).
  const lines: string[] = [];
  const latest = new Map<string, { at: number; rank: number }>();
  const pending: { due: number; delivery: Delivery; copy: boolean }[] = [];
  const emit = (d: Delivery, fault: 'duplicate' | 'reorder' | null) => {
    // Received a little after it happened; a late delivery is received late.
    const receivedMs = Math.floor(Math.max(d.at, latest.get(d.stream)?.at ?? d.at) / 1000) + 40 + lines.length % 60;
    lines.push(options.envelope === true ? `{"receivedAt":"${new Date(receivedMs).toISOString()}","body":${d.text}}` : d.text);
    const last = latest.get(d.stream);
    const isLate = last !== undefined && (last.at > d.at || (last.at === d.at && last.rank > d.rank));
    if (fault === 'duplicate') faults.push({ kind: 'duplicate', eventType: d.body.eventType, stream: d.stream, line: lines.length });
    // A delayed event is a reordering only if something later of its stream overtook it.
    else if (fault === 'reorder' && isLate) faults.push({ kind: 'reorder', eventType: d.body.eventType, stream: d.stream, line: lines.length });
    // Only events with their own time can overtake (the tracker places the others by arrival).
    if (!isLate && EVENT_CATALOGUE[d.body.eventType as EventType].timeField !== null) latest.set(d.stream, { at: d.at, rank: d.rank });
  };
  deliveries.forEach((delivery, i) => {
    const roll = rate > 0 && !REFRESH.has(delivery.body.eventType) ? random() : 1;
    if (roll < rate / 3) {
      emit(delivery, null);
      pending.push({ due: i + 1 + Math.floor(random() * 20), delivery, copy: true });
    } else if (roll < (2 * rate) / 3 && delivery.body.eventType !== 'SessionCreated') {
      pending.push({ due: i + 2 + Math.floor(random() * 20), delivery, copy: false });
    } else {
      emit(delivery, null);
    }
    for (let p = 0; p < pending.length; ) {
      const item = pending[p]!;
      if (item.due <= i) {
        pending.splice(p, 1);
        emit(item.delivery, item.copy ? 'duplicate' : 'reorder');
      } else p++;
    }
  });
  for (const item of pending) emit(item.delivery, item.copy ? 'duplicate' : 'reorder');
  return { lines, scenarios, truth: { seed, faults } };
}
