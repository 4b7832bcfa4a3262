/**
 * Deliverability (DESIGN §1, §8): hosted domains and their DKIM keys, suppression lists,
 * per-inbox reputation and warm-up. Its persistence is a port of its own, so the main Store
 * stays as it is; the SQL adapter implements both over one database.
 */
import type { SecretBox } from './secrets/secret-box.ts';
import type { Domain, DomainRecordCheck, DomainStatus } from './domains/domain.ts';
import type { DomainRegistry } from './domains/domain-registry.ts';
import type { WarmupPolicy } from './limits/warmup.ts';
import type { ListOptions } from './ports.ts';
import type { Message, MessageEvent, NewOrgEvent, Page } from './model.ts';
import type { MachineState, ReputationCounts } from './reputation/machine.ts';
import type { ReputationService } from './reputation/reputation-service.ts';
import type { Suppression } from './suppressions/suppression.ts';

/** An inbox's persisted reputation: the machine and who it belongs to. */
export interface ReputationRow extends MachineState {
  inboxId: string;
  orgId: string;
  updatedAt: number;
}

/** One day's counts; `day` is whole UTC days since the epoch. */
export interface ReputationDay {
  day: number;
  counts: ReputationCounts;
}

/** Everything one outcome changes, written in one transaction. */
export interface ReputationWrite {
  row: ReputationRow;
  day: number;
  /** Added to the day's counts. */
  delta: ReputationCounts;
  /** `inbox.reputation_changed`, when the state changed: committed with the row. */
  event: NewOrgEvent | null;
}

export interface DomainCheckWrite {
  status: DomainStatus;
  records: DomainRecordCheck[];
  checkedAt: number;
  verifiedAt: number | null;
}

/**
 * Persistence of deliverability. Every method is one transaction and resolves once durable;
 * faults reject, business outcomes are values. Safe for concurrent calls.
 */
export interface DeliverabilityStore {
  /** Resolves false when the org already has this name (or, for the default domain, it exists). */
  insertDomain(domain: Domain): Promise<boolean>;
  getDomain(id: string): Promise<Domain | null>;
  /** Every domain: few rows, read once at start into the in-memory registry. */
  listAllDomains(): Promise<Domain[]>;
  /** The org's own domains, newest first. */
  listDomains(orgId: string, options: ListOptions): Promise<Page<Domain>>;
  saveDomainCheck(id: string, check: DomainCheckWrite): Promise<Domain | null>;

  /** Adds the address, or replaces the org's entry for it (a fresh id: it moves to the top). */
  putSuppression(entry: Suppression): Promise<void>;
  /** Entries in force at `now`, newest first. */
  listSuppressions(orgId: string, options: ListOptions & { now: number }): Promise<Page<Suppression>>;
  getSuppression(orgId: string, address: string, now: number): Promise<Suppression | null>;
  deleteSuppression(orgId: string, address: string): Promise<boolean>;
  /** Which of these lower-case addresses the org suppresses at `now`. */
  suppressedAmong(orgId: string, addresses: string[], now: number): Promise<Set<string>>;

  /** Which of these lower-case addresses the inbox has sent to before (warm-up). */
  knownRecipients(inboxId: string, addresses: string[]): Promise<Set<string>>;

  /** The inbox's row (null: never recorded) and its day counts from `fromDay` on. */
  loadReputation(inboxId: string, fromDay: number): Promise<{ row: ReputationRow | null; days: ReputationDay[] }>;
  /** Rows whose state is not healthy: the hot path's view, loaded at start. */
  listUnhealthy(): Promise<Array<Pick<ReputationRow, 'inboxId' | 'state'>>>;
  recordReputation(write: ReputationWrite): Promise<void>;

  /** The outbound message with this RFC 5322 Message-ID (angle brackets included), if any. */
  findOutboundByMessageId(messageId: string): Promise<Message | null>;
  /** A message event that changes no status (a soft bounce, a drop). */
  addMessageEvent(event: MessageEvent): Promise<void>;
  /** Replaces a message's raw bytes with the signed ones before they leave: the stored copy is what was sent. */
  saveSignedRaw(messageId: string, raw: Uint8Array): Promise<void>;
}

export interface DeliverabilitySettings {
  /** MX target of hosted domains: the host name of this deployment's SMTP server. */
  mxHost: string;
  /** A relay's return-path host: adds the CNAME record (see src/mail/domain-records.ts). */
  returnPathHost?: string;
  /** SPF include of the relay; without it the MX hosts are the senders. */
  spfInclude?: string;
  /** May an org key resume its own paused inbox? Default false: only the operator. */
  orgSelfResume: boolean;
  /** Daily caps of new inboxes and new recipients; null turns warm-up off. */
  warmup: WarmupPolicy | null;
}

/** The deliverability services, built once by the composition root. */
export interface Deliverability {
  store: DeliverabilityStore;
  domains: DomainRegistry;
  reputation: ReputationService;
  settings: DeliverabilitySettings;
  /** Seals DKIM private keys before they are stored, opens them to sign. */
  secrets: SecretBox;
  /** Told of every domain this process adds or checks (scale-out: the other nodes reload it). */
  onDomainChange?: (domainId: string) => void;
}
