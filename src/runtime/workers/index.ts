import "./env.ts";
import { DurableObject } from 'cloudflare:workers';

// Skeleton: filled in by the Workers runtime work (issue 8).
export class StoreWriter extends DurableObject {}
export class LimiterShard extends DurableObject {}
export class QuarantineRegistry extends DurableObject {}

export default {
  async fetch(): Promise<Response> {
    return new Response('breakwater worker: not wired yet', { status: 503 });
  },
} satisfies ExportedHandler;
