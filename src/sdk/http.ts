/**
 * One API call with the SDK's manners: bearer auth, JSON in and out, a timeout per attempt,
 * and polite retries (retry.ts). Web `fetch` only, so it runs in Node, Workers, Deno and browsers.
 */
import { BreakwaterError, isProblem, type Problem } from './errors.ts';
import { backoffMs, DEFAULT_RETRY, isRetryable, serverHintMs, type Outcome, type RetryPolicy } from './retry.ts';

/** What `onRetry` hears before each wait: enough for a progress line or a metric. */
export interface RetryInfo {
  method: string;
  path: string;
  /** The retry about to happen: 1 for the first. */
  retry: number;
  maxRetries: number;
  delayMs: number;
  error: BreakwaterError;
}

/** Options of `new Breakwater(…)`. Only `apiKey` is required. */
export interface BreakwaterOptions {
  /** An org or inbox API key (`bw_…`), or the operator token for operator calls. */
  apiKey: string;
  /** Default `http://127.0.0.1:3000`, the single-node default. */
  baseUrl?: string;
  /** Another fetch (a test double, a proxying one); the global one by default. */
  fetch?: typeof fetch;
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxRetryAfterMs?: number;
  /** One attempt's limit, body included (default 60 s; long-polls add their wait to it). */
  timeoutMs?: number;
  /** How the SDK waits between attempts; inject one to test without sleeping. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Epoch milliseconds (HTTP-date Retry-After, webhook timestamps). */
  now?: () => number;
  onRetry?: (info: RetryInfo) => void;
  /** Sent with every request (not Authorization). */
  headers?: Record<string, string>;
}

/** Per-call options every SDK method accepts. */
export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  maxRetries?: number;
}

type QueryValue = string | number | boolean | undefined | null | string[];

/** One request as the resources describe it. */
export interface Call extends RequestOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  idempotencyKey?: string;
  /** Safe to repeat after an unknown outcome; GET, DELETE and keyed requests are by default. */
  idempotent?: boolean;
  headers?: Record<string, string>;
  /** `stream`: answer as soon as the headers are in (event streams); the body is the caller's. */
  mode?: 'json' | 'bytes' | 'stream';
}

/** `encodeURIComponent` on each interpolated value: ids come from callers and mail. */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]!) : ''), '');
}

const defaultSleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) return reject(signal.reason);
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
});

/** Aborts when either the caller's signal or the attempt's own timer fires. */
function attemptSignal(signal: AbortSignal | undefined, timeoutMs: number) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('attempt timed out', 'TimeoutError')), timeoutMs);
  const onAbort = () => controller.abort(signal!.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    // A stream keeps following the caller's signal after its headers arrived; only the timer goes.
    done: (streaming: boolean) => {
      clearTimeout(timer);
      if (!streaming) signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The transport under every resource. */
export class HttpClient {
  readonly baseUrl: string;
  readonly policy: RetryPolicy;
  readonly now: () => number;
  private readonly fetchFn: typeof fetch;
  /** The injected (or real) wait, shared with the event stream's reconnects. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly timeoutMs: number;

  constructor(private readonly options: BreakwaterOptions) {
    if (!options.apiKey) throw new TypeError('Breakwater: apiKey is required');
    this.baseUrl = (options.baseUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
    // Bound late: a global fetch replaced after construction (test doubles) is still the one used.
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.policy = {
      maxRetries: options.maxRetries ?? DEFAULT_RETRY.maxRetries,
      baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
      random: options.random ?? Math.random,
    };
  }

  /** A JSON answer (undefined for 204). */
  async json<T>(call: Call): Promise<T> {
    const { bytes } = await this.send({ ...call, mode: 'json' });
    if (bytes.length === 0) return undefined as T;
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as T;
    } catch (cause) {
      throw new BreakwaterError({ status: 200, code: 'unexpected_response', detail: 'the answer is not JSON', cause });
    }
  }

  /** The raw bytes of a 2xx answer (raw messages, attachments). */
  async bytes(call: Call): Promise<{ bytes: Uint8Array; headers: Headers }> {
    return this.send({ ...call, mode: 'bytes' });
  }

  /** A 2xx response whose body the caller reads (event streams). Retries cover connecting only. */
  async stream(call: Call): Promise<Response> {
    return (await this.send({ ...call, mode: 'stream' })).response!;
  }

  private url(call: Call): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
      params.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    const qs = params.toString();
    return `${this.baseUrl}${call.path}${qs ? `?${qs}` : ''}`;
  }

  private headers(call: Call): Record<string, string> {
    const h: Record<string, string> = {
      accept: call.mode === 'stream' ? 'text/event-stream' : 'application/json', ...this.options.headers, ...call.headers,
      authorization: `Bearer ${this.options.apiKey}`,
    };
    if (call.body !== undefined) h['content-type'] = 'application/json';
    if (call.idempotencyKey !== undefined) h['idempotency-key'] = call.idempotencyKey;
    return h;
  }

  private async send(call: Call): Promise<{ bytes: Uint8Array; headers: Headers; response?: Response }> {
    const idempotent = call.idempotent ?? (call.method === 'GET' || call.method === 'DELETE' || call.idempotencyKey !== undefined);
    const maxRetries = call.maxRetries ?? this.policy.maxRetries;
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    for (let attempt = 1; ; attempt++) {
      const { error, outcome, hint, result } = await this.attempt(call, body, attempt);
      if (result) return result;
      const retry = attempt - 1;
      const retryable = retry < maxRetries && isRetryable(outcome!, idempotent) && (hint === undefined || hint <= this.policy.maxRetryAfterMs);
      if (!retryable || call.signal?.aborted) throw error!;
      const delayMs = backoffMs(this.policy, retry, hint);
      this.options.onRetry?.({ method: call.method, path: call.path, retry: attempt, maxRetries, delayMs, error: error! });
      await this.sleep(delayMs, call.signal);
    }
  }

  private async attempt(call: Call, body: string | undefined, attempt: number) {
    const { signal, done } = attemptSignal(call.signal, call.timeoutMs ?? this.timeoutMs);
    let streaming = false;
    try {
      const response = await this.fetchFn(this.url(call), { method: call.method, headers: this.headers(call), body, signal });
      if (response.ok && call.mode === 'stream') {
        streaming = true;
        return { result: { bytes: new Uint8Array(), headers: response.headers, response } };
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (response.ok) return { result: { bytes, headers: response.headers } };
      const hint = serverHintMs(response.headers, this.now());
      const error = problemError(response, bytes, attempt, hint);
      return { error, hint, outcome: { status: response.status, code: error.code } as Outcome };
    } catch (cause) {
      // The caller's own abort is not ours to dress up or retry.
      if (call.signal?.aborted) throw call.signal.reason ?? cause;
      const timedOut = signal.aborted;
      const detail = timedOut ? `no answer within ${call.timeoutMs ?? this.timeoutMs} ms` : `cannot reach ${this.baseUrl}: ${networkReason(cause)}`;
      const error = new BreakwaterError({ status: 0, code: timedOut ? 'timeout' : 'connection_failed', detail, attempts: attempt, cause });
      return { error, hint: undefined, outcome: { network: true } as Outcome };
    } finally {
      done(streaming);
    }
  }
}

/** "fetch failed" says little; the system error under it (ECONNREFUSED, ENOTFOUND) says what to fix. */
function networkReason(cause: unknown): string {
  const message = (cause as Error)?.message ?? String(cause);
  const code = ((cause as { cause?: { code?: unknown } })?.cause?.code);
  return typeof code === 'string' ? `${message} (${code})` : message;
}

function problemError(response: Response, bytes: Uint8Array, attempts: number, retryAfterMs: number | undefined): BreakwaterError {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    parsed = undefined;
  }
  if (isProblem(parsed)) {
    const p = parsed as Problem;
    return new BreakwaterError({ status: response.status, code: p.code, detail: p.detail || p.title, problem: p, requestId, retryAfterMs, attempts });
  }
  return new BreakwaterError({
    status: response.status, code: 'unexpected_response', detail: `HTTP ${response.status} ${response.statusText}`.trim(), requestId, retryAfterMs, attempts,
  });
}
