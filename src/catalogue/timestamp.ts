/**
 * Timestamp parsing with microsecond precision.
 *
 * mluvii sends local-offset timestamps with 0 to 7 fraction digits and, on its own page, three
 * different fraction separators (`.`, `,`, `:`). `Date` keeps milliseconds only, which makes two
 * events 300 µs apart tie, so we parse to epoch microseconds ourselves.
 */

/** A parsed timestamp: epoch microseconds plus the text it came from. */
export interface Timestamp {
  /**
   * Microseconds since 1970-01-01T00:00:00Z (negative before). A 7th fraction digit is truncated.
   * Exact as a double for years 1685 to 2255 (|us| < 2^53).
   */
  readonly us: number;
  /** The original string, kept verbatim for display and audit. */
  readonly text: string;
}

const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,:](\d{1,7}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

const US_PER_MINUTE = 60_000_000;
const US_PER_DAY = 86_400_000_000;

/**
 * Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm). Used
 * instead of `Date.UTC`, which maps years 0-99 to 1900-1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses `yyyy-MM-ddTHH:mm:ss[(.|,|:)f{1,7}](Z|±hh:mm)` to epoch microseconds.
 * Returns `null` for anything else, including out-of-range fields (month 13, Feb 30, hour 24).
 *
 * @example
 * parseTimestampUs('2024-05-02T08:58:58:888364+02:00') // 1714633138888364
 */
export function parseTimestampUs(text: string): number | null {
  const m = TIMESTAMP_PATTERN.exec(text);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const fraction = m[7];
  // Right-pad to 6 digits and cut a 7th (100 ns) digit: truncation keeps microsecond order.
  const fractionUs = fraction === undefined ? 0 : Number((fraction + '00000').slice(0, 6));
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (offsetHours * 60 + offsetMins) * (m[9] === '-' ? -1 : 1);
  }
  const secondsOfDay = hour * 3600 + minute * 60 + second;
  return (
    daysFromCivil(year, month, day) * US_PER_DAY +
    secondsOfDay * 1_000_000 +
    fractionUs -
    offsetMinutes * US_PER_MINUTE
  );
}

/** Like {@link parseTimestampUs}, returning the {@link Timestamp} pair. */
export function parseTimestamp(text: string): Timestamp | null {
  const us = parseTimestampUs(text);
  return us === null ? null : { us, text };
}

/**
 * Formats epoch microseconds as ISO-8601 UTC with six fraction digits,
 * e.g. `2024-05-06T13:31:14.630270Z`. This is the form every view uses.
 */
export function formatTimestampUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.SSSZ
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}
