/**
 * Realistic synthetic days of webhooks, deterministic from a seed: sessions of every channel and
 * source, chatbot-first ones, one to three operators, invites, forwards, holds, AV upgrades, hero
 * cards, call scripts, ACW, abandonment, late legitimate events, e-mail threads and presence
 * changes, interleaved by time across entities. Optionally injects delivery faults (drops,
 * duplicates, reorderings) and reports exactly what it injected, so a replay can be scored.
 *
 * Generated as a stream: an entity's events are made when the clock reaches its start and
 * merged by time, so memory follows the entities open at once, not the number generated.
 */
import { EVENT_CATALOGUE, type EventType } from '../catalogue/catalogue.js';
import { createRandom, detectableDrops, generateEmailThread, generatePresence, generateSession, type Scenario, type TimedBody } from './scenario.js';

export interface GenerateOptions {
  readonly seed?: number;
  /** Sessions per day. */
  readonly sessions?: number;
  /** E-mail threads per day; default sessions / 10. */
  readonly emailThreads?: number;
  /** Operators; default max(5, sessions / 40). */
  readonly operators?: number;
  /** Consecutive days with the same daily profile; default 1. */
  readonly days?: number;
  /** Start of the first day (epoch µs); default 2024-05-06T06:00:00Z. */
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
  readonly truth: { readonly seed: number; readonly faults: readonly InjectedFault[] };
}

/** A stream of generated lines; `faults` grows as lines are produced (complete once they are all read). */
export interface GeneratedLines {
  readonly lines: Generator<string>;
  readonly faults: readonly InjectedFault[];
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

/** A delivery waiting in the merge: its text, not the body object (memory follows what waits). */
interface Delivery { readonly eventType: string; readonly text: string; readonly at: number; readonly rank: number; readonly stream: string; readonly order: number }

/** An entity to generate when the clock reaches `start`; `order` breaks ties as generation order did. */
interface Planned { readonly start: number; readonly order: number; make(): Scenario }

/** Deliveries by time, then by the order their entities were planned, then by their own order. */
class DeliveryHeap {
  private readonly items: Delivery[] = [];
  get size(): number { return this.items.length; }
  peek(): Delivery | undefined { return this.items[0]; }
  private static before(a: Delivery, b: Delivery): boolean { return a.at < b.at || (a.at === b.at && a.order < b.order); }
  push(item: Delivery): void {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!DeliveryHeap.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): Delivery {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < items.length && DeliveryHeap.before(items[left]!, items[least]!)) least = left;
        if (right < items.length && DeliveryHeap.before(items[right]!, items[least]!)) least = right;
        if (least === i) break;
        [items[i], items[least]] = [items[least]!, items[i]!];
        i = least;
      }
    }
    return top;
  }
}

/**
 * Generated days as a stream of lines (see the module comment). Deterministic from the seed;
 * `faults` is complete once every line has been read.
 */
export function generateLines(options: GenerateOptions = {}): GeneratedLines {
  const seed = options.seed ?? 1;
  const random = createRandom(seed);
  const sessionCount = options.sessions ?? 100;
  const threadCount = options.emailThreads ?? Math.floor(sessionCount / 10);
  const operatorCount = options.operators ?? Math.max(5, Math.floor(sessionCount / 40));
  const days = options.days ?? 1;
  const firstDayUs = options.startUs ?? 1_714_975_200_000_000;
  const rate = options.anomalies ?? 0;
  const operatorPool = Array.from({ length: operatorCount }, (_, i) => 2700 + i);
  let activityId = 50_000_000;
  const ids = { nextActivityId: () => activityId++ };

  // Each day's entities are planned (a start time each) when the clock reaches the day, and made
  // when it reaches their start: memory follows one day's plan and the entities open at once.
  let planned: Planned[] = [];
  let plannedDays = 0;
  function planDay(day: number): void {
    const dayUs = firstDayUs + day * DAY_US;
    const plan: Planned[] = [];
    for (let i = 0; i < sessionCount; i++) {
      const id = 7_400_000 + day * sessionCount + i;
      const start = dayUs + Math.floor(random() * DAY_US * 0.9);
      // Some sessions are still in progress when the capture ends: on its last day only (a
      // session left open on an earlier day would stay open for ever, as none does).
      plan.push({ start, order: plan.length, make: () => generateSession(random, ids, { id, startUs: start, operatorPool, chatbotIds: [329, 331], allowOpen: day === days - 1 }) });
    }
    for (let i = 0; i < threadCount; i++) {
      const id = 750_000 + day * threadCount + i;
      const start = dayUs + Math.floor(random() * DAY_US * 0.9);
      plan.push({ start, order: plan.length, make: () => generateEmailThread(random, { id, startUs: start, operatorPool }) });
    }
    for (const userId of operatorPool) {
      const changes = 1 + Math.floor(random() * 4);
      plan.push({ start: dayUs, order: plan.length, make: () => generatePresence(random, { userId, startUs: dayUs, changes }) });
    }
    planned = plan.sort((a, b) => a.start - b.start || a.order - b.order);
  }

  const faults: InjectedFault[] = [];
  const heap = new DeliveryHeap();
  let sequence = 0;
  /** Makes an entity's events; drops at most one per stream, of events whose loss the rest of the stream reveals. */
  function admit(plan: Planned): void {
    const scenario = plan.make();
    const droppable = rate > 0 ? new Set(detectableDrops(scenario.events)) : new Set<number>();
    let dropped = false;
    scenario.events.forEach(({ body, at }, i) => {
      const delivery: Delivery = { eventType: body.eventType, text: JSON.stringify(body), at, rank: EVENT_CATALOGUE[body.eventType as EventType].rank, stream: streamOf(body), order: sequence++ };
      if (!dropped && droppable.has(i) && random() < rate / 3) {
        dropped = true;
        faults.push({ kind: 'drop', eventType: delivery.eventType, stream: delivery.stream, body: delivery.text });
      } else {
        heap.push(delivery);
      }
    });
  }
  /** Deliveries interleaved by time: an entity is made once nothing earlier is left to deliver. */
  function* byTime(): Generator<Delivery> {
    let next = 0;
    for (;;) {
      // A new day is planned once its start is due (every entity of a day starts on that day).
      if (next === planned.length && plannedDays < days && (heap.size === 0 || firstDayUs + plannedDays * DAY_US <= heap.peek()!.at)) {
        planDay(plannedDays++);
        next = 0;
        onNewDay(firstDayUs + (plannedDays - 1) * DAY_US);
      }
      if (next === planned.length && heap.size === 0) return;
      while (next < planned.length && (heap.size === 0 || planned[next]!.start <= heap.peek()!.at)) admit(planned[next++]!);
      if (heap.size > 0) yield heap.pop();
    }
  }

  /** Each stream's latest delivered time, for telling reorderings; a stream quiet for a day is forgotten. */
  const latest = new Map<string, { at: number; rank: number }>();
  function onNewDay(dayUs: number): void {
    for (const [stream, last] of latest) if (last.at < dayUs - DAY_US) latest.delete(stream);
  }

  function* lines(): Generator<string> {
    // Duplicates (a copy delivered again a little later) and reorderings (delivered late).
    let count = 0;
    const pending: { due: number; delivery: Delivery; copy: boolean }[] = [];
    const emit = (d: Delivery, fault: 'duplicate' | 'reorder' | null): string => {
      // Received a little after it happened; a late delivery is received late.
      const receivedMs = Math.floor(Math.max(d.at, latest.get(d.stream)?.at ?? d.at) / 1000) + 40 + count % 60;
      count++;
      const last = latest.get(d.stream);
      const isLate = last !== undefined && (last.at > d.at || (last.at === d.at && last.rank > d.rank));
      if (fault === 'duplicate') faults.push({ kind: 'duplicate', eventType: d.eventType, stream: d.stream, line: count });
      // A delayed event is a reordering only if something later of its stream overtook it.
      else if (fault === 'reorder' && isLate) faults.push({ kind: 'reorder', eventType: d.eventType, stream: d.stream, line: count });
      // Only events with their own time can overtake (the tracker places the others by arrival).
      if (!isLate && EVENT_CATALOGUE[d.eventType as EventType].timeField !== null) latest.set(d.stream, { at: d.at, rank: d.rank });
      return options.envelope === true ? `{"receivedAt":"${new Date(receivedMs).toISOString()}","body":${d.text}}` : d.text;
    };
    let i = 0;
    for (const delivery of byTime()) {
      const roll = rate > 0 && !REFRESH.has(delivery.eventType) ? random() : 1;
      if (roll < rate / 3) {
        yield emit(delivery, null);
        pending.push({ due: i + 1 + Math.floor(random() * 20), delivery, copy: true });
      } else if (roll < (2 * rate) / 3 && delivery.eventType !== 'SessionCreated') {
        pending.push({ due: i + 2 + Math.floor(random() * 20), delivery, copy: false });
      } else {
        yield emit(delivery, null);
      }
      for (let p = 0; p < pending.length;) {
        const item = pending[p]!;
        if (item.due <= i) {
          pending.splice(p, 1);
          yield emit(item.delivery, item.copy ? 'duplicate' : 'reorder');
        } else p++;
      }
      i++;
    }
    for (const item of pending) yield emit(item.delivery, item.copy ? 'duplicate' : 'reorder');
  }

  return { lines: lines(), faults };
}

/** Generated days, held whole: {@link generateLines} read to its end. */
export function generateStream(options: GenerateOptions = {}): GeneratedStream {
  const generated = generateLines(options);
  const lines = [...generated.lines];
  return { lines, truth: { seed: options.seed ?? 1, faults: generated.faults } };
}
