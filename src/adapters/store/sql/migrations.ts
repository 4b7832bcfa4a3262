import type { Migration } from 'kysely';
import { foundation } from './migrations/0001-foundation.ts';
import { eventsWebhooks } from './migrations/0002-events-webhooks.ts';
import { quarantine } from './migrations/0003-quarantine.ts';
import { deliverability } from './migrations/0004-deliverability.ts';
import { inboundLists } from './migrations/0005-inbound-lists.ts';
import { autoSubmitted } from './migrations/0006-auto-submitted.ts';
import type { DialectTypes } from './migrations/types.ts';

export type { DialectTypes };

/**
 * Migrations in code, run at start, one file each under migrations/. Written once for every
 * dialect: only the column types of `DialectTypes` differ. Append; never edit a released one.
 */
export function migrations(types: DialectTypes): Record<string, Migration> {
  return {
    '0001_foundation': foundation(types),
    '0002_events_webhooks': eventsWebhooks(types),
    '0003_quarantine': quarantine(types),
    '0004_deliverability': deliverability(types),
    '0005_inbound_lists': inboundLists(types),
    '0006_auto_submitted': autoSubmitted(),
  };
}
