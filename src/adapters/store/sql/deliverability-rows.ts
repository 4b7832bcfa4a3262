import type { ReputationRow } from '../../../core/deliverability.ts';
import type { Domain, DomainRecordCheck } from '../../../core/domains/domain.ts';
import type { MachineState, ReputationState } from '../../../core/reputation/machine.ts';
import type { Suppression } from '../../../core/suppressions/suppression.ts';
import type { DomainsTable, ReputationTable, SuppressionsTable } from './deliverability-schema.ts';

// PostgreSQL returns BIGINT as a string: every millisecond column goes through Number().
const numOrNull = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

export const toDomain = (r: DomainsTable): Domain => ({
  id: r.id, orgId: r.org_id, name: r.name, status: r.status as Domain['status'], dkimSelector: r.dkim_selector,
  dkimAlgorithm: r.dkim_algorithm as Domain['dkimAlgorithm'], dkimPrivateKey: r.dkim_private_key, dkimPublicDns: r.dkim_public_dns,
  records: JSON.parse(r.records_json) as DomainRecordCheck[], createdAt: Number(r.created_at),
  verifiedAt: numOrNull(r.verified_at), checkedAt: numOrNull(r.checked_at),
});
export const fromDomain = (d: Domain): DomainsTable => ({
  id: d.id, org_id: d.orgId, name: d.name, status: d.status, dkim_selector: d.dkimSelector, dkim_algorithm: d.dkimAlgorithm,
  dkim_private_key: d.dkimPrivateKey, dkim_public_dns: d.dkimPublicDns, records_json: JSON.stringify(d.records),
  created_at: d.createdAt, verified_at: d.verifiedAt, checked_at: d.checkedAt,
});

export const toSuppression = (r: SuppressionsTable): Suppression => ({
  id: r.id, orgId: r.org_id, address: r.address, reason: r.reason as Suppression['reason'], source: r.source as Suppression['source'],
  messageId: r.message_id, createdAt: Number(r.created_at), expiresAt: numOrNull(r.expires_at),
});
export const fromSuppression = (s: Suppression): SuppressionsTable => ({
  id: s.id, org_id: s.orgId, address: s.address, reason: s.reason, source: s.source, message_id: s.messageId,
  created_at: s.createdAt, expires_at: s.expiresAt,
});

export const toReputation = (r: ReputationTable): ReputationRow => ({
  inboxId: r.inbox_id, orgId: r.org_id, state: r.state as ReputationState, since: Number(r.since), cleanRun: Number(r.clean_run),
  recent: JSON.parse(r.recent_json) as MachineState['recent'], updatedAt: Number(r.updated_at),
});
export const fromReputation = (r: ReputationRow): ReputationTable => ({
  inbox_id: r.inboxId, org_id: r.orgId, state: r.state, since: r.since, clean_run: r.cleanRun,
  recent_json: JSON.stringify(r.recent), updated_at: r.updatedAt,
});
