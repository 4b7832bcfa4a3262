import type { RoutePolicy } from '../policy.ts';
import { domainRoutes } from './domains.ts';
import { reputationRoutes } from './reputation.ts';
import { suppressionRoutes } from './suppressions.ts';
import { adminRoutes } from './admin.ts';
import { dashboardRoutes } from './dashboard.ts';
import { eventRoutes } from './events.ts';
import { inboxRoutes } from './inboxes.ts';
import { keyRoutes } from './keys.ts';
import { listRoutes } from './lists.ts';
import { mcpRoutes } from './mcp.ts';
import { messageRoutes } from './messages.ts';
import { orgRoutes } from './orgs.ts';
import { quarantineRoutes } from './quarantine.ts';
import { systemRoutes } from './system.ts';
import { telemetryRoutes } from './telemetry.ts';
import { threadRoutes } from './threads.ts';
import { webhookRoutes } from './webhooks.ts';

export const VERSION = '0.1.0';

/** The path policy table: every route of the API, in one place. */
export function routeTable(): RoutePolicy[] {
  const table: RoutePolicy[] = [...orgRoutes, ...keyRoutes, ...inboxRoutes, ...messageRoutes, ...threadRoutes, ...quarantineRoutes];
  table.push(...webhookRoutes, ...eventRoutes);
  table.push(...domainRoutes, ...suppressionRoutes, ...reputationRoutes);
  table.push(...telemetryRoutes, ...adminRoutes, ...dashboardRoutes);
  table.push(...listRoutes);
  table.push(...mcpRoutes);
  table.push(...systemRoutes(() => table, VERSION));
  return table;
}
