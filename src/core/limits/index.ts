export type { Clock, LimitDecision, LimitRule, Limiter } from './limiter.ts';
export { NEVER_MS, assertLimitRule, gcra, gcraPeek, type GcraResult } from './gcra.ts';
export { rateLimitHeaders, type RateLimitHeaders } from './headers.ts';
