/** The typed configuration of overdracht; loaded once at start by `loadConfig` and passed down. */

export type OrganisationType =
  | 'gp-practice'
  | 'ggz-institution'
  | 'youth-ggz-institution'
  | 'social-domain-organisation'
  | 'municipality'
  | 'regional-table'
  | 'data-platform';

export type DeliveryConfig =
  { mode: 'push'; endpoint: string } | { mode: 'notified-pull'; notifyEndpoint: string } | { mode: 'none' };

export interface OrganisationConfig {
  /** Local key used in this configuration. */
  id: string;
  name: string;
  /** The organisation's AGB or URA identifier, as a FHIR identifier. */
  identifier: { system: string; value: string };
  type: OrganisationType;
  delivery: DeliveryConfig;
  /** CBS municipality code (e.g. GM0014), for municipalities and regional tables. */
  municipality?: string;
}

export type ClientRole =
  'sender' | 'receiver' | 'privacy-officer' | 'platform' | 'regional-table' | 'operator';

export interface ClientConfig {
  id: string;
  /** `id` of an entry in `organisations`. */
  organisation: string;
  roles: ClientRole[];
  /** The SMART scopes this client may be granted, e.g. `system/Task.rs`. */
  scopes: string[];
  /** Public keys that verify the client's JWT assertions. */
  jwks: { keys: Record<string, unknown>[] };
}

/** How the outbox is delivered (src/delivery): retries with exponential backoff and full jitter. */
export interface DeliverySettings {
  /** Attempts before a message goes to the dead letters (an operator may retry it). */
  maxAttempts: number;
  /** The first retry waits up to this long; each further one up to twice as long as the previous. */
  baseDelaySeconds: number;
  /** No retry waits longer than this. */
  maxDelaySeconds: number;
  /** A receiver that does not answer within this is treated as down. */
  timeoutMs: number;
  /** Messages claimed per round. */
  batchSize: number;
}

/** Scheduled jobs (src/jobs): node-cron schedules by job name, and the rules' settings. */
export interface JobsConfig {
  /** Whether `serve` schedules the jobs; `overdracht job NAME` runs one either way. */
  enabled: boolean;
  timeZone: string;
  /** A cron expression per job name; a job without one keeps its default schedule. */
  schedules: Record<string, string>;
  /** Days without receiver action before the watchdog escalates a Task. */
  watchdogDays: number;
}

/**
 * What the retention job purges: resources not changed for longer than their period, with their
 * history, index rows and access grants. The audit trail is never purged by the gateway (NEN 7513:
 * it is append-only in the database); `auditEvents: keep` says so explicitly.
 */
export interface RetentionConfig {
  /** Days per resource type; a type without one uses `defaultDays`, or is kept when that is absent too. */
  resourceDays: Record<string, number>;
  defaultDays?: number;
  /** Delivered outbox messages (references only) are removed after this many days. */
  deliveredOutboxDays: number;
  auditEvents: 'keep';
}

/** A folder of export files converted through an adapter into the store (`import` job). */
export interface ImportSource {
  /** Sub-folder of `import.folder` that this source drops its files in. */
  dir: string;
  /** An adapter format (`hl7v2`, `zorgdomein`, `assessments`). */
  format: string;
  /** `id` of the organisation the files come from: it gets access to what is stored. */
  organisation: string;
  /** Channel settings of the adapter (see mappings/README.md). */
  channel?: Record<string, string>;
}

export interface ImportConfig {
  folder: string;
  sources: ImportSource[];
}

/** A regional data platform that pulls pseudonymised `$export`s (src/export). */
export interface ExportRecipientConfig {
  /** The recipient's name: the `recipient` of its policy, and the suffix of `OVERDRACHT_EXPORT_KEY_<ID>`. */
  id: string;
  /** `id` of the client (with the platform role) that exports for it. */
  client: string;
  /** The pseudonymisation policy (YAML), relative to the configuration file. */
  policyFile: string;
  /** A JWK or JWK Set file with the recipient's key(s), relative to the configuration file. */
  keyFile?: string;
  /** The JSON of the key ring, from `OVERDRACHT_EXPORT_KEY_<ID>` (set by the loader, not in a file). */
  keyJson?: string;
}

/** A cohort that `Group/{id}/$export` exports: the clients of one municipality. */
export interface ExportGroupConfig {
  id: string;
  name: string;
  /** CBS municipality code, GMxxxx. */
  municipality: string;
}

export interface ExportConfig {
  recipients: ExportRecipientConfig[];
  groups: ExportGroupConfig[];
  /**
   * The page step (parse, pseudonymise, stringify) in one worker thread per process, started with
   * the gateway; when absent, on when the machine has more than one core.
   */
  pageWorker?: boolean;
}

export interface Config {
  port: number;
  /** The public base URL of the gateway (token endpoint audience, Bundle links). */
  baseUrl: string;
  /** Demo mode: the demo keys in the repository are accepted and demo data is loaded. */
  demo: boolean;
  storage: { driver: 'pglite'; dataDir: string } | { driver: 'pg'; url: string };
  http: { bodyLimitBytes: number };
  auth: {
    tokenLifetimeSeconds: number;
    /** Private JWK (ES384 or RS384) that signs the gateway's access tokens. */
    signingKey: Record<string, unknown>;
  };
  organisations: OrganisationConfig[];
  clients: ClientConfig[];
  log: { level: 'debug' | 'info' | 'warn' | 'error' };
  delivery: DeliverySettings;
  jobs: JobsConfig;
  retention?: RetentionConfig;
  import?: ImportConfig;
  export?: ExportConfig;
  mllp?: MllpConfig;
}

/** An MLLP listener for HL7 v2 referrals from one organisation; `overdracht serve` starts it. */
export interface MllpConfig {
  port: number;
  /** Default 127.0.0.1: MLLP has no authentication of its own; expose it only inside a trusted network. */
  host: string;
  /** `id` of the sending organisation: the referrals arrive as if it had sent them. */
  organisation: string;
  /** Channel settings of the hl7v2 adapter (mappings/hl7v2/README.md). */
  channel?: Record<string, string>;
  /** Largest framed message accepted, in bytes (default 2 MiB). */
  maxFrameBytes: number;
}
