/** Tables of migration 0004 (deliverability), as Kysely sees them. */
export interface DomainsTable {
  id: string; org_id: string | null; name: string; status: string; dkim_selector: string; dkim_algorithm: string;
  dkim_private_key: string; dkim_public_dns: string; records_json: string; created_at: number;
  verified_at: number | null; checked_at: number | null;
}
export interface SuppressionsTable {
  id: string; org_id: string; address: string; reason: string; source: string; message_id: string | null;
  created_at: number; expires_at: number | null;
}
export interface InboxRecipientsTable { inbox_id: string; address: string; first_at: number }
export interface ReputationTable {
  inbox_id: string; org_id: string; state: string; since: number; clean_run: number; recent_json: string; updated_at: number;
}
export interface ReputationDaysTable {
  inbox_id: string; day: number; sent: number; delivered: number; bounced: number; complained: number;
}

export interface DeliverabilityTables {
  domains: DomainsTable;
  suppressions: SuppressionsTable;
  inbox_recipients: InboxRecipientsTable;
  reputation: ReputationTable;
  reputation_days: ReputationDaysTable;
}
