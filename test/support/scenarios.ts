/** fast-check arbitraries of valid lifecycles, driven through the library's scenario generator. */
import fc from 'fast-check';
import { createRandom, generateEmailThread, generatePresence, generateSession, type Scenario, type TimedBody } from '../../src/generate/scenario.js';

const BASE_US = 1_714_600_000_000_000;

/** A valid session lifecycle; `open` allows it to stop part-way. */
export const sessionScenario = (open = true) =>
  fc.integer().map((seed) => {
    let activityId = 50_000_000;
    return generateSession(createRandom(seed), { nextActivityId: () => activityId++ }, {
      id: 7_000_000 + (seed >>> 0) % 1000, startUs: BASE_US, operatorPool: [2710, 4254, 4301, 4], allowOpen: open,
    });
  });

export const emailScenario = fc.integer().map((seed) =>
  generateEmailThread(createRandom(seed), { id: 749_000 + (seed >>> 0) % 1000, startUs: BASE_US, operatorPool: [2710, 4254] }));

/** Several entities at once (distinct ids), interleaved by time. */
export const world = fc.tuple(fc.integer(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 })).map(([seed, sessions, threads]) => {
  const random = createRandom(seed);
  let activityId = 60_000_000;
  const ids = { nextActivityId: () => activityId++ };
  const scenarios: Scenario[] = [];
  for (let i = 0; i < sessions; i++) scenarios.push(generateSession(random, ids, { id: 8_000_000 + i, startUs: BASE_US + i * 7_000_000, operatorPool: [2710, 4254, 4301, 4], allowOpen: true }));
  for (let i = 0; i < threads; i++) scenarios.push(generateEmailThread(random, { id: 900_000 + i, startUs: BASE_US + i * 3_000_000, operatorPool: [2710, 4254] }));
  scenarios.push(generatePresence(random, { userId: 2710, startUs: BASE_US, changes: 2 }));
  return scenarios;
});

/** All events of some scenarios in time order (arrival order of a well-behaved sender). */
export function inTimeOrder(scenarios: readonly Scenario[]): TimedBody[] {
  return scenarios.flatMap((s) => s.events).map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map(({ e }) => e);
}

/** Events that may be reordered freely: everything with its own time, plus SessionCreated. */
export const isTimedOrCreated = (e: TimedBody) => e.body.eventType === 'SessionCreated' || ['time', 'started', 'ended', 'created'].some((k) => typeof e.body.data[k] === 'string' && !(e.body.eventType === 'SessionEnded' && k === 'started' && typeof e.body.data.ended !== 'string'));

/**
 * A world in time order and the same events in another arrival order: every event with its own
 * time (and SessionCreated) shuffled, the timeless ones after them in their order.
 */
export const shuffledArrival = world.chain((scenarios) => {
  const events = inTimeOrder(scenarios);
  const movable = events.filter(isTimedOrCreated);
  const fixed = events.filter((e) => !isTimedOrCreated(e));
  return fc.shuffledSubarray(movable, { minLength: movable.length, maxLength: movable.length })
    .map((order) => ({ scenarios, inOrder: events, arrival: [...order, ...fixed] }));
});
