import { loadSession } from './session';

/** An answer of the API that is not a success, with the sentence its JSON error body carries. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `{statusCode, error, message}`: message is a sentence, or a list when validation found several problems. */
export function reasonOf(status: number, body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string' && message) return message;
  return status === 0 ? 'the server could not be reached; check your connection and try again' : `the server answered ${status}`;
}

let onUnauthorized: () => void = () => undefined;

/** Called when the API refuses the stored token (401): the page signs out instead of failing everywhere. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export function authHeader(): Record<string, string> {
  const session = loadSession();
  return session ? { authorization: `Bearer ${session.token}` } : {};
}

/** JSON in, JSON out, the bearer token attached; any non-2xx becomes an ApiError with the API's reason. */
export async function api<T>(path: string, options: { method?: string; json?: unknown } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...authHeader(), ...(options.json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
    });
  } catch {
    throw new ApiError(0, reasonOf(0, null));
  }
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && path !== '/v1/users') onUnauthorized();
    throw new ApiError(response.status, reasonOf(response.status, body));
  }
  return body as T;
}
