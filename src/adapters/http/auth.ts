/**
 * Credentials of the receiver: HTTP Basic (the `user:pass@` of the callback URL registered with
 * mluvii) or a `?token=` for webhooks, a bearer token for reading. Compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  readonly webhookUser?: string | undefined;
  readonly webhookPassword?: string | undefined;
  readonly webhookToken?: string | undefined;
  readonly readToken?: string | undefined;
}

/**
 * Why these credentials cannot protect a receiver, or null. An empty or blank secret would be
 * accepted from anyone who sends an empty one (`Basic Og==`), so it is refused, not used.
 */
export function credentialProblem(credentials: Credentials, insecureNoAuth: boolean): string | null {
  for (const [name, value] of Object.entries(credentials)) {
    if (value !== undefined && value.trim() === '') return `${name} is empty; set a non-blank secret (or leave it unset)`;
  }
  const hasWebhookAuth = (credentials.webhookUser !== undefined && credentials.webhookPassword !== undefined) || credentials.webhookToken !== undefined;
  if (!insecureNoAuth && (!hasWebhookAuth || credentials.readToken === undefined)) {
    return 'webhook credentials (user and password, or a token) and a read token are required (or insecureNoAuth)';
  }
  return null;
}

/** Constant-time equality of two secrets (hashed first, so lengths do not leak either). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The credentials of an `Authorization` header of `scheme` (compared case-insensitively, RFC 7617/6750), or null. */
function credentialsOf(request: Request, scheme: 'basic' | 'bearer'): string | null {
  const header = request.headers.get('authorization') ?? '';
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== scheme) return null;
  return header.slice(space + 1).trim();
}

export function createAuth(credentials: Credentials, insecureNoAuth: boolean) {
  const { webhookUser, webhookPassword, webhookToken, readToken } = credentials;
  const hasWebhookAuth = (webhookUser !== undefined && webhookPassword !== undefined) || webhookToken !== undefined;
  return {
    webhook(request: Request, url: URL): boolean {
      if (insecureNoAuth && !hasWebhookAuth) return true;
      const token = url.searchParams.get('token');
      if (webhookToken !== undefined && token !== null && sameSecret(token, webhookToken)) return true;
      const basic = credentialsOf(request, 'basic');
      if (webhookUser === undefined || webhookPassword === undefined || basic === null) return false;
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return false;
      // Both compared, always, so timing does not tell which one was wrong.
      const userOk = sameSecret(decoded.slice(0, colon), webhookUser);
      const passwordOk = sameSecret(decoded.slice(colon + 1), webhookPassword);
      return userOk && passwordOk;
    },
    read(request: Request): boolean {
      if (insecureNoAuth && readToken === undefined) return true;
      const bearer = credentialsOf(request, 'bearer');
      return bearer !== null && readToken !== undefined && sameSecret(bearer, readToken);
    },
  };
}
