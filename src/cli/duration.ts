/** Durations on the command line: `90s`, `30m`, `24h`, `7d`, or plain seconds; `never` for none. */

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds (`Infinity` for `never`), or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  if (text === 'never') return Infinity;
  const match = /^(\d{1,9})(s|m|h|d)?$/.exec(text.trim());
  return match === null ? null : Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
}
