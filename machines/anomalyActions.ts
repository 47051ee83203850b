/**
 * The two signals a lifecycle machine gives besides its next state. They are XState actions with
 * params, so XState's pure `transition()` returns them and the compiled tables copy them:
 * - `missing`: the event implies earlier events that never arrived; the transition goes where
 *   it would have gone had they arrived.
 * - `unexpected`: the event cannot be explained by missing events; the state does not change.
 * The actions do nothing when run: the tracker reads them, it never executes them.
 */
export interface MissingParams { readonly events: readonly string[] }
export interface UnexpectedParams { readonly reason: string }

export const anomalyActions = {
  missing: (_: unknown, _params: MissingParams) => {},
  unexpected: (_: unknown, _params: UnexpectedParams) => {},
};

/** A transition to `target` that says which events must have been lost on the way. */
export const recover = <T extends string>(target: T, ...events: string[]) => ({
  target,
  actions: { type: 'missing' as const, params: { events } },
});

/** A transition that keeps the state and flags the event as impossible here. */
export const reject = (reason: string) => ({
  actions: { type: 'unexpected' as const, params: { reason } },
});
