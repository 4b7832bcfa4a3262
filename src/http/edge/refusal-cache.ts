import type { LimitDecision, LimitRule } from '../../core/limits/limiter.ts';
import { rateLimited } from '../../core/limits/refusal.ts';
import { problemTemplate, type ProblemTemplate } from '../problem.ts';

/** Templates kept per rule; the fields vary over a few small integers, so this is rarely reached. */
const MAX_PER_RULE = 256;

/**
 * The 429 of an empty bucket, preformatted per rule and per the few numbers that vary (tokens
 * left, seconds until full, seconds until retry), so a refused key in a storm costs two string
 * joins. Every template is built by `rateLimited` and `problemTemplate`, the slow path's own
 * code, so the bytes are the same whichever path answers. Decisions are never cached: each
 * request still takes from the limiter, which stays exact.
 */
export class RefusalCache {
  readonly #byRule = new Map<LimitRule, Map<string, ProblemTemplate>>();

  constructor(
    private readonly code: 'rate_limited' | 'quota_exceeded',
    private readonly fix: string,
  ) {}

  /** The refusal for a denied decision, for one request id. */
  respond(d: LimitDecision, requestId: string): Response {
    let templates = this.#byRule.get(d.rule);
    if (templates === undefined) this.#byRule.set(d.rule, (templates = new Map()));
    // What the refusal's text and fields depend on beyond the rule (see rateLimitHeaders).
    const id = `${d.remaining}|${Math.ceil(d.resetMs / 1000)}|${Math.max(1, Math.ceil(d.retryAfterMs / 1000))}|${d.limit}`;
    let t = templates.get(id);
    if (t === undefined) {
      if (templates.size >= MAX_PER_RULE) templates.clear();
      const err = rateLimited(d, this.code, this.fix);
      t = problemTemplate(err.code, err.message, err.extras);
      templates.set(id, t);
    }
    return t.respond(requestId);
  }
}
