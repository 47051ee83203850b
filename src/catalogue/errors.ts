/**
 * Structured parse errors. Codes are stable API: callers may switch on them, dashboards may count
 * them. Every error names where (a JSON path), what was expected and what was received.
 */

export const PARSE_ERROR_CODES = [
  /** Body larger than `maxBytes` (default 1 MiB). */
  'body-too-large',
  /** A Buffer body that is not valid UTF-8. */
  'invalid-utf8',
  /** Not parseable as JSON. */
  'invalid-json',
  /** A value handed in as an object that cannot be serialized (cycle, BigInt, ...). */
  'not-serializable',
  /** The JSON is not an object (array, string, number, null). */
  'not-an-object',
  /** No `eventType`, or it is not a non-empty string. */
  'invalid-event-type',
  /** No `data`, or it is not an object. */
  'invalid-data',
  /** A key that could poison a prototype downstream (`__proto__`, `constructor` holding an object). */
  'forbidden-key',
  /** Nested deeper than `maxDepth` (default 32). */
  'too-deep',
  /** A field of `data` has the wrong type or is missing. */
  'invalid-field',
  /** A timestamp field is not an ISO-8601 date-time with offset. */
  'invalid-timestamp',
  /** A generic activity whose `data.type` contradicts its `eventType`. */
  'activity-type-mismatch',
] as const;

export type ParseErrorCode = (typeof PARSE_ERROR_CODES)[number];

/** One problem in one place. */
export interface ParseIssue {
  /** JSONPath of the offending value, `$` for the whole body, e.g. `$.data.userId`. */
  readonly path: string;
  /** What the catalogue expects there, e.g. `integer`, `string | null`, `ISO-8601 date-time`. */
  readonly expected: string;
  /** A short description of what was there, e.g. `string "2710"`, `missing`. */
  readonly received: string;
}

/** Why a body was rejected. The first issue is repeated at the top level for convenience. */
export interface ParseError extends ParseIssue {
  readonly code: ParseErrorCode;
  readonly message: string;
  /** `eventType` when the envelope got that far. */
  readonly eventType: string | null;
  /** Every issue found (several for `invalid-field`), at most 20. */
  readonly issues: readonly ParseIssue[];
}

export function createParseError(
  code: ParseErrorCode,
  issue: ParseIssue,
  eventType: string | null = null,
  issues: readonly ParseIssue[] = [issue],
): ParseError {
  const message = `${code}: at ${issue.path} expected ${issue.expected}, received ${issue.received}`;
  return { code, message, eventType, path: issue.path, expected: issue.expected, received: issue.received, issues };
}

const MAX_SHOWN = 60;

/** Describes a received value briefly and safely (never echoes a whole large value). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array(${value.length})`;
  switch (typeof value) {
    case 'string': {
      const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
      return `string ${JSON.stringify(shown)}`;
    }
    case 'number':
      return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
    case 'boolean':
      return `boolean ${value}`;
    case 'object':
      return 'object';
    default:
      return typeof value;
  }
}

/** `/data/file/0` (JSON Pointer, as TypeBox reports) to `$.data.file[0]`. */
export function pointerToJsonPath(pointer: string): string {
  if (pointer === '') return '$';
  let path = '$';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return path;
}
