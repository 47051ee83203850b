/** Keeping secrets out of messages and logs. */

/** `postgresql://user:secret@host/db` -> `postgresql://user:***@host/db`, wherever a URL appears in a text. */
export function redactSecrets(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi, '$1:***@');
}
