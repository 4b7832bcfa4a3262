import type { RoutePolicy } from '../policy.ts';
import { inboxRoutes } from './inboxes.ts';
import { keyRoutes } from './keys.ts';
import { messageRoutes } from './messages.ts';
import { orgRoutes } from './orgs.ts';
import { systemRoutes } from './system.ts';
import { threadRoutes } from './threads.ts';

export const VERSION = '0.1.0';

/** The path policy table: every route of the API, in one place. */
export function routeTable(): RoutePolicy[] {
  const table: RoutePolicy[] = [...orgRoutes, ...keyRoutes, ...inboxRoutes, ...messageRoutes, ...threadRoutes];
  table.push(...systemRoutes(() => table, VERSION));
  return table;
}
