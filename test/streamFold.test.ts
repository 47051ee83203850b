import { describe, expect, it } from 'vitest';
import { createTracker } from 'mluvii-state';
import { CHECKPOINT_INTERVAL } from '../src/fold/streamFold.js';
import { ev } from './support/given.js';

describe('late events', () => {
  it('re-fold from a checkpoint: a 10,000-event stream delivered in reverse costs linear, not quadratic, work', async () => {
    const n = 10_000;
    const bodies = [ev.created(), ev.started(0), ev.joined(2710, 0.5)];
    for (let i = 0; i < n - 6; i++) bodies.push(ev.activity('ChatMessage', 1 + i * 0.01, { client: 'Guest', text: 'ahoj' }));
    bodies.push(ev.ended(n), ev.left(2710, n), ev.concluded(2710, n + 60));
    const inOrder = createTracker({ clock: () => 0 });
    for (const b of bodies) await inOrder.ingest(b);
    const reversed = createTracker({ clock: () => 0 });
    for (const b of [...bodies].reverse()) await reversed.ingest(b);

    expect(reversed.session(7371450)).toEqual(inOrder.session(7371450));
    expect(reversed.session(7371450)?.status).toBe('closed');
    // Every event after the first arrived before a later one of its stream.
    expect(reversed.anomalies({ kind: 'out-of-order' })).toHaveLength(n - 2);
    expect(reversed.anomalies({ kind: ['missing-transition', 'unexpected-event'] })).toEqual([]);
    // Work done, counted in evolve steps: a quadratic re-fold would be ~n²/2 = 50,000,000.
    const refolded = reversed.stats().refoldedEvents;
    expect(refolded).toBeLessThan(n * (CHECKPOINT_INTERVAL + 2) + 10 * n);
  });
});

describe('checkpoints after a re-fold that runs to the end', () => {
  it('a checkpoint the re-fold did not reach is not used later with the state before the insertion', async () => {
    // 32 events in order: a checkpoint after the 32nd. Then a late SessionStarted before all but
    // one (the re-fold runs to the end without reaching the shifted checkpoint), then a late event
    // before the last (the re-fold starts at the checkpoint, which must not lack SessionStarted).
    const bodies = [ev.created(), ev.joined(2710, 0.5)];
    for (let i = 0; i < CHECKPOINT_INTERVAL - 2; i++) bodies.push(ev.activity('ChatMessage', 1 + i, { client: 'Guest', text: 'ahoj' }));
    const late = [ev.started(0), ev.activity('ChatMessage', CHECKPOINT_INTERVAL - 2.5, { client: 'Guest', text: 'ahoj' })];
    const tracker = createTracker({ clock: () => 0 });
    for (const b of [...bodies, ...late]) await tracker.ingest(b);
    const inOrder = createTracker({ clock: () => 0 });
    for (const b of [bodies[0]!, late[0]!, ...bodies.slice(1), late[1]!]) await inOrder.ingest(b);
    expect(tracker.session(7371450)?.startedAt).not.toBeNull();
    expect(tracker.session(7371450)).toEqual(inOrder.session(7371450));
  });
});
