import { assertInbox } from '../../core/auth/principal.ts';
import { fromBase64 } from '../../core/bytes.ts';
import { topics } from '../../core/context.ts';
import { notFound } from '../../core/errors.ts';
import { replyToMessage, sendMessage, type SendInput } from '../../core/messages/send.ts';
import type { AppDeps } from '../app-deps.ts';
import { defineRoute, keyOf, MiB, type RouteContext } from '../policy.ts';
import { listOf, MessageJson, MessageListQuery, Problem, ReplyBody, SendAcceptedJson, SendBody } from '../schemas.ts';
import { messageJson, pageAnswer } from '../serialize.ts';
import type { z } from 'zod';
import { BreakwaterError } from '../../core/errors.ts';

type SendFields = Pick<z.output<typeof SendBody>, 'cc' | 'bcc' | 'text' | 'html' | 'reply_to' | 'headers' | 'attachments'>;

function sendFields(b: SendFields): Omit<SendInput, 'to' | 'subject'> {
  return {
    cc: b.cc, bcc: b.bcc, text: b.text ?? null, html: b.html ?? null, replyTo: b.reply_to ?? null, headers: b.headers ?? {},
    attachments: b.attachments.map((a) => ({ filename: a.filename, contentType: a.content_type, content: fromBase64(a.content) })),
  };
}

function idem(ctx: RouteContext<unknown, unknown>) {
  return { key: ctx.idempotencyKey!, requestHash: ctx.requestHash!, inFlight: ctx.deps.inFlight };
}

async function messageWithDetails(deps: AppDeps, orgId: string, id: string) {
  const m = await deps.store.getMessage(orgId, id);
  if (!m) throw notFound('message');
  const [attachments, events] = await Promise.all([deps.store.listAttachments(id), deps.store.listMessageEvents(id)]);
  return { m, attachments, events };
}

/** The message of `:id` when the caller's key may read it; 404 otherwise (another org or inbox). */
async function visibleMessage(ctx: RouteContext<unknown, unknown>) {
  const p = keyOf(ctx);
  const m = await ctx.deps.store.getMessage(p.orgId, ctx.params.id!);
  if (!m) throw notFound('message');
  assertInbox(p, m.inboxId);
  return m;
}

const SEND_LIMIT = 25 * MiB;

export const messageRoutes = [
  defineRoute({
    method: 'POST', path: '/v1/inboxes/:id/messages', operationId: 'sendMessage', summary: 'Send a message from an inbox', tag: 'Messages',
    auth: 'key', inboxKeys: 'own', lane: 'outbound', idempotent: true, body: SendBody, bodyLimit: SEND_LIMIT,
    keyCost: (b) => b.to.length + b.cc.length + b.bcc.length, spends: ['inbox-send', 'plan-daily', 'plan-monthly'],
    responses: {
      202: { description: 'Accepted: stored with its delivery job', schema: SendAcceptedJson },
      409: { description: 'The same Idempotency-Key is still running', schema: Problem },
      422: { description: 'Invalid body, or the same Idempotency-Key with another body', schema: Problem },
    },
    handler: async (ctx) => {
      const p = keyOf(ctx);
      ctx.c.get('log').inbox = ctx.params.id;
      const b = ctx.body;
      const res = await sendMessage(ctx.deps, p, ctx.params.id!, { ...sendFields(b), to: b.to, subject: b.subject }, idem(ctx));
      return { status: res.status, body: res.body };
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/messages/:id/reply', operationId: 'replyToMessage', summary: 'Reply in the thread of a message', tag: 'Messages',
    auth: 'key', inboxKeys: 'own', lane: 'outbound', idempotent: true, body: ReplyBody, bodyLimit: SEND_LIMIT,
    keyCost: (b) => Math.max(1, (b.to?.length ?? 1) + b.cc.length + b.bcc.length), spends: ['inbox-send', 'plan-daily', 'plan-monthly'],
    responses: {
      202: { description: 'Accepted', schema: SendAcceptedJson },
      404: { description: 'Unknown message', schema: Problem },
    },
    handler: async (ctx) => {
      const b = ctx.body;
      const res = await replyToMessage(ctx.deps, keyOf(ctx), ctx.params.id!, {
        ...sendFields(b), to: b.to ?? null, subject: b.subject ?? null, replyAll: b.reply_all,
      }, idem(ctx));
      return { status: res.status, body: res.body };
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/inboxes/:id/messages', operationId: 'listMessages',
    summary: 'List messages, newest first; with `after`, those newer than it, oldest first; `wait` long-polls up to 30 s', tag: 'Messages',
    // Not gated as a whole: a long-poll waits without store work, so only its queries take a slot.
    auth: 'key', inboxKeys: 'own', lane: 'inbound', query: MessageListQuery, store: false,
    responses: { 200: { description: 'A page of messages', schema: listOf(MessageJson) }, 404: { description: 'Unknown inbox', schema: Problem } },
    handler: async (ctx) => {
      const p = keyOf(ctx);
      const inboxId = ctx.params.id!;
      assertInbox(p, inboxId);
      const gate = ctx.deps.edge.gate;
      if (!(await gate.run(() => ctx.deps.store.getInbox(p.orgId, inboxId)))) throw notFound('inbox');
      const q = ctx.query;
      if (q.cursor && q.after) {
        throw new BreakwaterError('validation_failed', 'cursor and after cannot be combined', { errors: [{ path: 'after', message: 'use either cursor or after' }] });
      }
      const list = () => gate.run(() => ctx.deps.store.listMessages(inboxId, { cursor: q.cursor ?? null, after: q.after ?? null, limit: q.limit, direction: q.direction, status: q.status }));
      let page = await list();
      const deadline = Date.now() + q.wait * 1000;
      // Long-poll: sleep until this inbox gets mail (or the client leaves), then look again.
      while (page.data.length === 0 && Date.now() < deadline && !ctx.signal.aborted) {
        await ctx.deps.notifier.wait(topics.inbox(inboxId), deadline - Date.now(), ctx.signal);
        page = await list();
      }
      return pageAnswer(page, (m) => messageJson(m));
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/messages/:id', operationId: 'getMessage', summary: 'Get a message with its events and attachments', tag: 'Messages',
    auth: 'key', inboxKeys: 'own', lane: 'inbound',
    responses: { 200: { description: 'The message', schema: MessageJson }, 404: { description: 'Unknown message', schema: Problem } },
    handler: async (ctx) => {
      const p = keyOf(ctx);
      const { m, attachments, events } = await messageWithDetails(ctx.deps, p.orgId, ctx.params.id!);
      assertInbox(p, m.inboxId);
      return { status: 200, body: messageJson(m, { attachments, events }) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/messages/:id/raw', operationId: 'getRawMessage', summary: 'The raw RFC 5322 bytes of a message', tag: 'Messages',
    auth: 'key', inboxKeys: 'own', lane: 'inbound',
    responses: { 200: { description: 'message/rfc822', contentType: 'message/rfc822' }, 404: { description: 'Unknown message', schema: Problem } },
    handler: async (ctx) => {
      const m = await visibleMessage(ctx);
      const raw = await ctx.deps.store.getRaw(m.id);
      if (!raw) throw notFound('message');
      return new Response(raw as Uint8Array<ArrayBuffer>, { status: 200, headers: { 'content-type': 'message/rfc822', 'x-request-id': ctx.requestId } });
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/messages/:id/attachments/:aid', operationId: 'getAttachment', summary: 'One attachment of a message', tag: 'Messages',
    auth: 'key', inboxKeys: 'own', lane: 'inbound',
    responses: { 200: { description: 'The attachment bytes', contentType: 'application/octet-stream' }, 404: { description: 'Unknown attachment', schema: Problem } },
    handler: async (ctx) => {
      const m = await visibleMessage(ctx);
      const a = await ctx.deps.store.getAttachment(m.id, ctx.params.aid!);
      if (!a) throw notFound('attachment');
      const name = a.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
      return new Response(a.content as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: {
          // Served as a download, never rendered: the bytes are the sender's, not ours.
          'content-type': a.contentType, 'content-disposition': `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
          'x-content-type-options': 'nosniff', 'x-request-id': ctx.requestId,
        },
      });
    },
  }),
];
