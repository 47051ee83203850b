/**
 * How a stream's state is folded from its events, in the shape of Emmett's decider
 * (`initialState` / `evolve`), specialised for the hot path: `evolve` updates a working copy in
 * place and reports the process anomalies the event raises; `clone` and `equals` serve the
 * checkpoints that let a late event re-fold only part of its stream.
 */
import type { NormalizedEvent } from '../types.js';

/** A process anomaly as the fold finds it; the tracker adds stream, time and position. */
export interface ProcessAnomaly {
  readonly kind: 'missing-transition' | 'unexpected-event' | 'inconsistent-data';
  readonly message: string;
  readonly missing?: readonly string[];
}

export interface Folder<State> {
  initialState(): State;
  /** Applies one event to `state` (mutating it); returns the anomalies it raises, or `null`. */
  evolve(state: State, event: NormalizedEvent): ProcessAnomaly[] | null;
  clone(state: State): State;
  equals(a: State, b: State): boolean;
  /**
   * Event types the state waits for (its machine state's `meta.awaits`): while any, the stream
   * has an open missing-transition naming them, resolved when the state moves on. Default: none.
   */
  awaits?(state: State): readonly string[];
}

/** Turns the effects of one or more machine steps into at most two anomalies (missing merged). */
export class AnomalyCollector {
  private missing: string[] | null = null;
  private others: ProcessAnomaly[] | null = null;

  /** Starts a new event; one collector is reused across events to keep the hot path allocation-free. */
  reset(): this {
    this.missing = null;
    this.others = null;
    return this;
  }

  addMissing(events: readonly string[]): void {
    this.missing ??= [];
    for (const e of events) if (!this.missing.includes(e)) this.missing.push(e);
  }

  add(anomaly: ProcessAnomaly): void {
    (this.others ??= []).push(anomaly);
  }

  /** The anomalies collected, or `null` (the common case, allocation-free). */
  result(): ProcessAnomaly[] | null {
    if (this.missing === null) return this.others;
    const missing: ProcessAnomaly = {
      kind: 'missing-transition',
      message: `implies events that never arrived: ${this.missing.join(', ')}`,
      missing: this.missing,
    };
    return this.others === null ? [missing] : [missing, ...this.others];
  }
}
