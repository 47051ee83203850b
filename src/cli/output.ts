/** What every command writes to, its exit codes, and how it keeps secrets out of what it says. */

/**
 * Where a command writes: the process's streams, or a test's capture. `stdout`, when given, is
 * the stream behind `out`, for commands that write much and must wait for a slow reader.
 */
export interface Output { out(text: string): void; err(text: string): void; isTTY: boolean; readonly stdout?: NodeJS.WritableStream }

/**
 * Exit codes of every command (documented in docs/operations.md):
 * - 0: done;
 * - 1: done, and the answer is "no": `inspect` found no such entity, `journal verify` found damage;
 * - 2: a usage mistake or an input that cannot be used (a bad option, a missing or unreadable
 *   file, a store that cannot be opened): nothing was changed;
 * - 3: the store failed while the command ran (disk full, database gone): what was acknowledged
 *   before is kept;
 * - 70: a fault of mluvii-state itself (please report it).
 */
export const EXIT = { ok: 0, no: 1, usage: 2, store: 3, internal: 70 } as const;

export { redactSecrets } from '../store/redact.js';

/**
 * Text from an input (a file name, a value) made safe to print on a terminal: control characters
 * shown as escapes, and cut at `max` characters.
 */
export function printable(text: string, max = 120): string {
  const shown = terminalSafe(text).replace(/\n/g, '\\n');
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}

/** Human output whose parts came from the input: every control character but newlines escaped. */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
