/**
 * Deduplication: which accepted event holds a delivery's identity, so that a re-delivery is
 * recorded as one (an exact retry, or a conflicting second report) instead of folded twice.
 * Accepted events are found by their identity's 32-bit key in an {@link IdentityIndex}; the
 * identity text is made only when a key repeats. Events appended but not yet acknowledged by a
 * durable store are pending, and found too.
 */
import { typeCodeOf } from '../catalogue/catalogue.js';
import { getIdentity, identityKeyOf, sameContent } from '../catalogue/identity.js';
import { parseWebhook } from '../catalogue/parseWebhook.js';
import type { NewStoreRecord, StoreRecord, StoredEvent } from '../store/eventStore.js';
import type { PackedLog } from '../store/packedLog.js';
import type { NormalizedEvent, ParseOptions, ParseResult, RawBody } from '../types.js';
import { IdentityIndex } from './identityIndex.js';

const USER_STATUS_CHANGED = typeCodeOf('UserStatusChanged');

export function createDedupe(initialLog: PackedLog, parseOptions: ParseOptions | undefined) {
  /** The tracker's log (replaced when it is compacted). */
  let log = initialLog;
  /** Identity key -> slot of the accepted event that holds it. */
  const identities = new IdentityIndex();
  /**
   * Events appended but not applied yet (a durable store acknowledges later): a re-delivery
   * arriving meanwhile must still be recognised.
   */
  const pending = new Map<string, StoredEvent>();
  // `identityKeyOf` (0: no identity), remembered for the event at hand (asked when deciding, again
  // when applying). `receivedAt` names only a UserStatusChanged delivery (see getIdentity).
  let keyed: NormalizedEvent | null = null;
  let keyedAt: number | undefined;
  let keyedKey = 0;
  const keyOf = (event: NormalizedEvent, receivedAt: number | undefined): number => {
    if (event !== keyed || (receivedAt !== keyedAt && event.typeCode === USER_STATUS_CHANGED)) {
      keyed = event;
      keyedAt = receivedAt;
      keyedKey = identityKeyOf(event, receivedAt);
    }
    return keyedKey;
  };

  /**
   * The applied event holding the identity whose key is `key` (`wanted`: that identity, or an
   * event that has it, whose text is made only if some event has the key), with its slot, or null.
   */
  function appliedHolder(key: number, wanted: string | NormalizedEvent, receivedAt?: number): { slot: number; event: NormalizedEvent } | null {
    let identity: string | null = typeof wanted === 'string' ? wanted : null;
    for (let entry = identities.next(key); entry >= 0; entry = identities.next(key, entry)) {
      // The candidate is decoded once, to confirm the key match, and handed back with its slot.
      const slot = identities.slotAt(entry);
      const event = log.event(slot);
      identity ??= getIdentity(wanted as NormalizedEvent, receivedAt);
      if (getIdentity(event, log.receivedAt(slot)) === identity) return { slot, event };
    }
    return null;
  }

  /** The accepted event with the identity of `event` (key `key`), applied or pending, with its position. */
  function holderOf(event: NormalizedEvent, key: number, naming: number | undefined): { event: NormalizedEvent; position: number } | undefined {
    const applied = appliedHolder(key, event, naming);
    if (applied !== null) return { event: applied.event, position: log.position(applied.slot) };
    return pending.size === 0 ? undefined : pending.get(getIdentity(event, naming)!);
  }

  return {
    appliedHolder,

    /** Validates and normalizes a body (the tracker's parse options). */
    parse: (body: RawBody): ParseResult => parseWebhook(body, parseOptions),

    /**
     * Decides what a parsed delivery is, without changing anything yet; `text` is the body to
     * persist. `naming`: the receive time the caller gave (a capture's envelope), which names a
     * delivery.
     */
    decide(parsed: ParseResult, receivedAt: number, source: string | null, naming: number | undefined): { record: NewStoreRecord; text: string | null } {
      if (!parsed.ok) return { record: { kind: 'dead-letter', position: 0, receivedAt, source, raw: parsed.raw, error: parsed.error }, text: null };
      const { event } = parsed;
      const key = keyOf(event, naming);
      const holder = key === 0 ? undefined : holderOf(event, key, naming);
      if (holder !== undefined) {
        const conflicting = sameContent(holder.event, event) ? null : event;
        return {
          record: {
            kind: 'redelivery', position: 0, receivedAt, source, originalPosition: holder.position, identity: getIdentity(event, naming)!,
            conflicting, stream: holder.event.stream,
          },
          text: conflicting === null ? null : parsed.text,
        };
      }
      return { record: { kind: 'event', position: 0, receivedAt, source, event }, text: parsed.text };
    },

    /**
     * Indexes an applied event by its identity. Every UserStatusChanged is indexed under its
     * receive time: a capture replayed again (the same envelopes) finds it; a live delivery
     * names none and is never taken for a repeat.
     */
    index(event: NormalizedEvent, receivedAt: number, slot: number): void {
      const key = keyOf(event, receivedAt);
      if (key !== 0) identities.add(key, slot);
    },

    /** Forgets the identity of the applied event in `slot` (its stream retires). */
    forget(slot: number): void {
      const event = log.event(slot);
      const key = keyOf(event, log.receivedAt(slot));
      if (key !== 0) identities.remove(key, slot);
    },

    /** The identity table, for a snapshot image. */
    identitiesImage: (): Int32Array => identities.toImage(),

    /** Takes a snapshot image's log and identity table. */
    restoreImage(restored: PackedLog, table: Int32Array): void {
      identities.restoreImage(table);
      log = restored;
    },

    /** Follows the tracker's log to its compacted form (`slotMap`: old slot -> new, -1 dropped). */
    moveTo(compacted: PackedLog, slotMap: Int32Array): void {
      identities.remap(slotMap);
      log = compacted;
    },

    /** Marks an event appended but not yet stored; returns its identity (null: none), for `unmark`. */
    mark(record: NewStoreRecord, naming: number | undefined): string | null {
      const identity = record.kind === 'event' ? getIdentity(record.event, naming) : null;
      if (identity !== null) pending.set(identity, record as StoredEvent);
      return identity;
    },

    unmark(identity: string | null): void {
      if (identity !== null) pending.delete(identity);
    },

    /** An applied record is no longer pending. */
    settled(record: StoreRecord): void {
      if (record.kind !== 'event' || pending.size === 0) return;
      const identity = getIdentity(record.event, record.receivedAt);
      if (identity !== null) pending.delete(identity);
    },
  };
}

export type Dedupe = ReturnType<typeof createDedupe>;
