/**
 * `breakwater/sdk`: the TypeScript client of the Breakwater API. Web standards only (fetch,
 * Web Crypto, streams), so the same code runs in Node 20+, Cloudflare Workers, Deno and browsers.
 */
export { Breakwater } from './client.ts';
export { BreakwaterError, WebhookVerificationError, type ClientErrorCode, type Problem, type WebhookFailure } from './errors.ts';
export type { BreakwaterOptions, RequestOptions, RetryInfo } from './http.ts';
export { Paginated } from './pagination.ts';
export type { EventFilter, EventStream, StreamParams, StreamState } from './resources/events.ts';
export type { CreateInboxParams } from './resources/inboxes.ts';
export type { CreateKeyParams } from './resources/keys.ts';
export type { ListMessagesParams, SendOptions, WaitParams } from './resources/messages.ts';
export type { AddQuarantineParams } from './resources/quarantine.ts';
export type { CreateWebhookParams } from './resources/webhooks.ts';
export { verifyWebhook, type VerifyWebhookOptions } from './webhook-verify.ts';
export type * from './types.ts';
