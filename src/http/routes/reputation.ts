import { z } from 'zod';
import { describeRule } from '../../core/limits/defaults.ts';
import { getReputation, resumeReputation, type InboxReputation } from '../../core/reputation/reputation-api.ts';
import { defineRoute, keyOf } from '../policy.ts';
import { Problem } from '../schemas.ts';
import { iso } from '../serialize.ts';

const ReputationJson = z.object({
  inbox_id: z.string(), state: z.enum(['healthy', 'warning', 'throttled', 'paused']),
  sent: z.number(), delivered: z.number(), bounced: z.number(), complained: z.number(),
  bounce_rate: z.number(), complaint_rate: z.number(),
  outbound_limit: z.object({ rule: z.string(), limit: z.number(), window_seconds: z.number(), burst: z.number() }),
  since: z.string(), window_days: z.number(),
});

/** DESIGN §4 Reputation. `outbound_limit` is the inbox's send bucket now: halved when throttled, 0 when paused. */
export function reputationJson(r: InboxReputation, windowDays: number) {
  const l = r.limit;
  return {
    inbox_id: r.inbox.id, state: r.report.state,
    sent: r.report.counts.sent, delivered: r.report.counts.delivered, bounced: r.report.counts.bounced, complained: r.report.counts.complained,
    bounce_rate: Number(r.report.bounceRate.toFixed(4)), complaint_rate: Number(r.report.complaintRate.toFixed(5)),
    outbound_limit: l
      ? { rule: describeRule(l), limit: l.limit, window_seconds: l.windowMs / 1000, burst: l.burst }
      : { rule: 'reputation paused', limit: 0, window_seconds: 1, burst: 0 },
    since: iso(r.report.since), window_days: windowDays,
  };
}

const notFound = { description: 'Unknown inbox, or one of another org', schema: Problem };

/** Reputation per inbox (DESIGN §4, §5): read it, and resume a paused one. */
export const reputationRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/inboxes/:id/reputation', operationId: 'getReputation', tag: 'Reputation',
    summary: 'Sent, delivered, bounce and complaint counts over 30 days, the rates, the state and the current outbound limit',
    auth: 'key', inboxKeys: 'own', lane: 'control',
    responses: { 200: { description: 'The inbox\'s reputation', schema: ReputationJson }, 404: notFound },
    handler: async (ctx) => {
      const r = await getReputation(ctx.deps, keyOf(ctx), ctx.params.id!);
      return { status: 200, body: reputationJson(r, ctx.deps.deliverability!.reputation.thresholds.windowDays) };
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/inboxes/:id/reputation/resume', operationId: 'resumeReputation', tag: 'Reputation',
    summary: 'Resume a paused inbox (to warning): the operator, or an org key when the operator allows self-resume',
    auth: 'operator_or_key', inboxKeys: 'refused', lane: 'control',
    responses: {
      200: { description: 'The reputation after the resume', schema: ReputationJson },
      403: { description: 'Self-resume is not allowed, or an inbox-scoped key', schema: Problem },
      404: notFound,
    },
    handler: async (ctx) => {
      const r = await resumeReputation(ctx.deps, ctx.principal!, ctx.params.id!);
      return { status: 200, body: reputationJson(r, ctx.deps.deliverability!.reputation.thresholds.windowDays) };
    },
  }),
];
