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
}
