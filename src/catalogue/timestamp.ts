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

/** The digits at `text[start, start + count)` as a number, or -1 if any is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Parses `yyyy-MM-ddTHH:mm:ss[(.|,|:)f{1,7}](Z|±hh:mm)` to epoch microseconds.
 * Returns `null` for anything else, including out-of-range fields (month 13, Feb 30, hour 24).
 * Hand-written rather than a regular expression: it runs once per event on the hot path.
 *
 * @example
 * parseTimestampUs('2024-05-02T08:58:58:888364+02:00') // 1714633138888364
 */
export function parseTimestampUs(text: string): number | null {
  const n = text.length;
  if (n < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84
    || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null; // - - T : :
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  let i = 19;
  let fractionUs = 0;
  const separator = text.charCodeAt(i);
  if (separator === 46 || separator === 44 || separator === 58) { // . , :
    let count = 0;
    for (i++; i < n && count < 8; i++, count++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      // Six digits make microseconds; a 7th (100 ns) is truncated, which keeps µs order.
      if (count < 6) fractionUs = fractionUs * 10 + d;
    }
    if (count === 0 || count > 7) return null;
    for (let pad = count; pad < 6; pad++) fractionUs *= 10;
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(i);
  if (zone === 90) { // Z
    if (i + 1 !== n) return null;
  } else if (zone === 43 || zone === 45) { // + -
    if (i + 6 !== n || text.charCodeAt(i + 3) !== 58) return null;
    const offsetHours = digits(text, i + 1, 2);
    const offsetMins = digits(text, i + 4, 2);
    if (offsetHours < 0 || offsetHours > 23 || offsetMins < 0 || offsetMins > 59) return null;
    offsetMinutes = (offsetHours * 60 + offsetMins) * (zone === 45 ? -1 : 1);
  } else {
    return null;
  }
  return (
    daysFromCivil(year, month, day) * US_PER_DAY +
    (hour * 3600 + minute * 60 + second) * 1_000_000 +
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
  return `${dateTimeOfUs(us)}Z`;
}

/** `yyyy-MM-ddTHH:mm:ss.ffffff` of epoch µs, read as UTC (the date's year extended past 9999). */
function dateTimeOfUs(us: number): string {
  const seconds = Math.floor(us / 1_000_000);
  const fraction = String(us - seconds * 1_000_000).padStart(6, '0');
  return `${new Date(seconds * 1000).toISOString().slice(0, -5)}.${fraction}`; // drops ".SSSZ"
}

/** 1900-01-01 and 2200-01-01 in epoch µs: between them every step of parsing is exact in a double. */
const EXACT_FROM_US = -2_208_988_800_000_000;
const EXACT_TO_US = 7_258_118_400_000_000;

/**
 * For a text and the microseconds {@link parseTimestampUs} made of it: whether the text is in the
 * one form mluvii's payloads use, `yyyy-MM-ddTHH:mm:ss.ffffff±hh:mm` (six fraction digits after
 * a dot, a numeric offset), of a year whose microseconds are exact (1900 to 2199), so that
 * {@link formatOffsetTimestamp} of the microseconds and this code gives the text back exactly.
 * The code is the offset in minutes, plus 2048 for a minus sign (which `-00:00` keeps); -1 for
 * other texts.
 */
export function offsetCodeOf(text: string, us: number): number {
  if (text.length !== 32 || text.charCodeAt(19) !== 46 || !(us >= EXACT_FROM_US && us < EXACT_TO_US)) return -1; // .
  const sign = text.charCodeAt(26);
  if (sign !== 43 && sign !== 45) return -1; // + -
  const minutes = digits(text, 27, 2) * 60 + digits(text, 30, 2);
  return sign === 45 ? minutes + 2048 : minutes;
}

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** The text of `us` in the form {@link offsetCodeOf} describes, at the offset its `code` gives. */
export function formatOffsetTimestamp(us: number, code: number): string {
  const minutes = code & 2047;
  const localUs = us + (code >= 2048 ? -minutes : minutes) * US_PER_MINUTE;
  return `${dateTimeOfUs(localUs)}${code >= 2048 ? '-' : '+'}${two(Math.floor(minutes / 60))}:${two(minutes % 60)}`;
}
