import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatTimestampUs, parseTimestamp, parseTimestampUs } from 'mluvii-state';
import { formatOffsetTimestamp, offsetCodeOf } from '../src/catalogue/timestamp.js';
import { timestampParts, timestampText, type TimestampParts } from './support/arbitraries.js';

/** Independent model: Date.UTC for the whole seconds, plus the fraction, minus the offset. */
function modelUs(p: TimestampParts): number {
  const utc = new Date(0);
  utc.setUTCFullYear(p.year, p.month - 1, p.day);
  utc.setUTCHours(p.hour, p.minute, p.second, 0);
  const fractionUs = Number(p.fraction.padEnd(6, '0').slice(0, 6) || '0');
  return utc.getTime() * 1000 + fractionUs - p.offsetMinutes * 60_000_000;
}

function render(p: TimestampParts, separator: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const offset = p.offsetMinutes === 0 && p.zulu ? 'Z'
    : `${p.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(p.offsetMinutes) / 60))}:${pad(Math.abs(p.offsetMinutes) % 60)}`;
  const fraction = p.fraction === '' ? '' : `${separator}${p.fraction}`;
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${fraction}${offset}`;
}

describe('parseTimestampUs', () => {
  it('reads every form of the vendor page', () => {
    expect(parseTimestamp('2024-05-02T08:58:58:888364+02:00')?.us).toBe(1714633138888364);
    expect(parseTimestampUs('2024-05-02T08:58:58,888364+02:00')).toBe(1714633138888364);
    expect(parseTimestampUs('2024-05-09T14:40:38+02:00')).toBe(Date.parse('2024-05-09T14:40:38+02:00') * 1000);
    expect(parseTimestampUs('2024-05-06T15:12:44.604+02:00')).toBe(1715001164604000);
    expect(parseTimestampUs('2024-05-06T15:31:14.63027+02:00')).toBe(1715002274630270);
    expect(parseTimestampUs('2024-05-06T15:31:14.6302719+02:00')).toBe(1715002274630271);
  });

  it('rejects what is not a date-time with offset, and calendar values Date would roll over', () => {
    for (const text of ['', '2024-05-06', '2024-05-06T15:31:14', '2024-05-06T15:31:14.12345678Z', '2024-02-30T00:00:00Z', '2024-05-06T24:00:00Z', '2024-05-06T15:31:14+2:00', ' 2024-05-06T15:31:14Z']) {
      expect(parseTimestampUs(text), text).toBeNull();
    }
  });

  it('equals the independent model on all forms (microsecond exact, so order is kept)', () => {
    fc.assert(fc.property(timestampParts, fc.constantFrom('.', ',', ':'), (parts, separator) => {
      expect(parseTimestampUs(render(parts, separator))).toBe(modelUs(parts));
    }), { numRuns: 2000 });
  });

  it('agrees with Date.parse to the millisecond on every form Date accepts', () => {
    fc.assert(fc.property(timestampParts, (parts) => {
      const text = render(parts, '.');
      const ms = Date.parse(text);
      fc.pre(!Number.isNaN(ms));
      expect(Math.floor(parseTimestampUs(text)! / 1000)).toBe(ms);
    }), { numRuns: 2000 });
  });

  it('keeps the order of timestamps that differ by microseconds only', () => {
    fc.assert(fc.property(timestampParts, timestampParts, (a, b) => {
      const order = Math.sign(modelUs(a) - modelUs(b));
      expect(Math.sign(parseTimestampUs(render(a, ':'))! - parseTimestampUs(render(b, ','))!)).toBe(order);
    }), { numRuns: 2000 });
  });

  it('formats microseconds as ISO-8601 UTC with six digits, the inverse of parsing', () => {
    expect(formatTimestampUs(1715002274630270)).toBe('2024-05-06T13:31:14.630270Z');
    fc.assert(fc.property(fc.integer({ min: -2_000_000_000_000_000, max: Number.MAX_SAFE_INTEGER }), (us) => {
      expect(parseTimestampUs(formatTimestampUs(us))).toBe(us);
    }));
  });
});

describe('offsetCodeOf / formatOffsetTimestamp (how the packed log keeps a payload\'s timestamp)', () => {
  it('gives back every text of the form mluvii sends, exactly, from its microseconds and offset code', () => {
    const mluviiForm = fc.tuple(timestampParts, fc.boolean()).map(([p, negativeZero]) => {
      const text = render({ ...p, fraction: p.fraction.padEnd(6, '0').slice(0, 6), zulu: false }, '.');
      return negativeZero && p.offsetMinutes === 0 ? text.replace('+00:00', '-00:00') : text;
    });
    fc.assert(fc.property(mluviiForm, (text) => {
      const us = parseTimestampUs(text)!;
      const code = offsetCodeOf(text, us);
      // Taken for every year but the edges of the exact range (offsets move them a day).
      const year = Number(text.slice(0, 4));
      if (year > 1900 && year < 2199) expect(code).toBeGreaterThanOrEqual(0);
      if (code >= 0) expect(formatOffsetTimestamp(us, code)).toBe(text);
    }), { numRuns: 2000 });
  });

  it('declines years whose microseconds a double cannot hold exactly', () => {
    for (const text of ['0001-01-01T00:00:00.000001-00:00', '9999-12-31T23:59:59.999999+14:00', '1899-12-31T23:59:59.999999+00:00', '2200-01-01T00:00:00.000000+00:00']) {
      expect(offsetCodeOf(text, parseTimestampUs(text)!), text).toBe(-1);
    }
  });

  it('declines every other form parseTimestampUs accepts', () => {
    fc.assert(fc.property(timestampText, (text) => {
      fc.pre(!/^.{19}\.\d{6}[+-]\d\d:\d\d$/.test(text));
      expect(offsetCodeOf(text, parseTimestampUs(text)!)).toBe(-1);
    }), { numRuns: 2000 });
  });
});
