/**
 * Loads the configuration once at start: a YAML or JSON file (OVERDRACHT_CONFIG, or the demo
 * configuration with --demo), overridden by environment variables, validated against a JSON
 * Schema with messages that name the bad key. The only module that reads process.env.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { validate as validateCron } from 'node-cron';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { configSchema } from './schema.js';
import type { Config } from './types.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The project root (where config/, profiles/ and terminology/ live), from this module's location. */
export function projectRoot(): string {
  // src/config/load.ts and dist/config/load.js both sit two levels below the root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export const DEMO_CONFIG_FILE = 'config/demo.yaml';

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** A configuration file; relative paths are taken from the working directory. */
  file?: string;
  demo?: boolean;
}

/** Whether a configuration file is named (OVERDRACHT_CONFIG); `serve` runs the demo configuration when none is. */
export function hasConfigFile(env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(env.OVERDRACHT_CONFIG);
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const demo = options.demo ?? env.OVERDRACHT_DEMO === '1';
  const file =
    options.file ?? env.OVERDRACHT_CONFIG ?? (demo ? resolve(projectRoot(), DEMO_CONFIG_FILE) : undefined);
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {};
  const merged = applyEnv({ ...defaults(), ...raw, ...(demo ? { demo: true } : {}) }, env);
  return validate(merged);
}

function defaults(): Record<string, unknown> {
  return {
    port: 8080,
    demo: false,
    http: { bodyLimitBytes: 5 * 1024 * 1024 },
    log: { level: 'info' },
    organisations: [],
    clients: [],
    // Filled in by the schema's defaults.
    delivery: {},
    jobs: {},
  };
}

function readConfigFile(file: string): Record<string, unknown> {
  const path = isAbsolute(file) ? file : resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`configuration file ${file} cannot be read`);
  }
  const value: unknown = parseYaml(text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`configuration file ${file} must hold a mapping of keys`);
  }
  const config = value as Record<string, unknown>;
  // The signing key may be kept in a file next to the configuration.
  const auth = config.auth as Record<string, unknown> | undefined;
  if (auth && typeof auth.signingKeyFile === 'string') {
    const keyPath = resolve(dirname(path), auth.signingKeyFile);
    auth.signingKey = readJwkFile(keyPath, 'auth.signingKeyFile');
    delete auth.signingKeyFile;
  }
  const clients = Array.isArray(config.clients) ? (config.clients as Record<string, unknown>[]) : [];
  clients.forEach((client, i) => {
    if (typeof client.jwksFile !== 'string') return;
    client.jwks = {
      keys: [publicJwk(readJwkFile(resolve(dirname(path), client.jwksFile), `clients[${i}].jwksFile`))],
    };
    delete client.jwksFile;
  });
  resolveExportFiles(config, dirname(path));
  return config;
}

/** Export policy and key files are named relative to the configuration file. */
function resolveExportFiles(config: Record<string, unknown>, dir: string): void {
  const settings = config.export as Record<string, unknown> | undefined;
  const recipients = Array.isArray(settings?.recipients)
    ? (settings.recipients as Record<string, unknown>[])
    : [];
  for (const recipient of recipients) {
    for (const key of ['policyFile', 'keyFile']) {
      const value = recipient[key];
      if (typeof value === 'string' && !isAbsolute(value)) recipient[key] = resolve(dir, value);
    }
  }
}

/** `OVERDRACHT_EXPORT_KEY_<ID>`: a recipient's key ring as JSON (`regioplatform-noord` -> `REGIOPLATFORM_NOORD`). */
export function exportKeyVariable(recipientId: string): string {
  return `OVERDRACHT_EXPORT_KEY_${recipientId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function applyExportKeys(config: Record<string, unknown>, env: Record<string, string | undefined>): void {
  const settings = config.export as Record<string, unknown> | undefined;
  const recipients = Array.isArray(settings?.recipients)
    ? (settings.recipients as Record<string, unknown>[])
    : [];
  for (const recipient of recipients) {
    const value = typeof recipient.id === 'string' ? env[exportKeyVariable(recipient.id)] : undefined;
    if (value) recipient.keyJson = value;
  }
}

function readJwkFile(path: string, key: string): Record<string, unknown> {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ConfigError(`${key}: cannot be read as a JWK`);
}

/** A JWK without its private members: what verifies a client's signatures. */
export function publicJwk(jwk: Record<string, unknown>): Record<string, unknown> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...pub } = jwk;
  return pub;
}

function applyEnv(
  config: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  const out = { ...config };
  if (env.PORT !== undefined) out.port = Number(env.PORT);
  if (env.OVERDRACHT_BASE_URL) out.baseUrl = env.OVERDRACHT_BASE_URL;
  if (out.baseUrl === undefined) out.baseUrl = `http://localhost:${String(out.port)}`;
  if (env.DATABASE_URL) {
    out.storage = { driver: 'pg', url: env.DATABASE_URL };
  } else if (out.storage === undefined || env.OVERDRACHT_DATA_DIR) {
    out.storage = { driver: 'pglite', dataDir: env.OVERDRACHT_DATA_DIR ?? './data' };
  }
  if (env.OVERDRACHT_BODY_LIMIT)
    out.http = { ...(out.http as object), bodyLimitBytes: Number(env.OVERDRACHT_BODY_LIMIT) };
  if (env.LOG_LEVEL) out.log = { level: env.LOG_LEVEL };
  applyExportKeys(out, env);
  if (env.OVERDRACHT_SIGNING_KEY) {
    let key: unknown;
    try {
      key = JSON.parse(env.OVERDRACHT_SIGNING_KEY);
    } catch {
      throw new ConfigError('OVERDRACHT_SIGNING_KEY must be a private JWK in JSON');
    }
    out.auth = { ...(out.auth as object), signingKey: key };
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true });
// ajv-formats is CommonJS; its default export arrives wrapped under ES module interop.
const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
addFormats(ajv);
const validateSchema = ajv.compile(configSchema);

function validate(value: Record<string, unknown>): Config {
  if (!validateSchema(value)) {
    const lines = (validateSchema.errors ?? []).map(describeError);
    throw new ConfigError(`invalid configuration:\n  ${[...new Set(lines)].join('\n  ')}`);
  }
  const config = value as unknown as Config;
  checkReferences(config);
  return config;
}

function describeError(e: ErrorObject): string {
  const key = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)';
  if (e.keyword === 'required')
    return `${key === '(root)' ? '' : key + '.'}${String(e.params.missingProperty)}: is required`;
  if (e.keyword === 'additionalProperties')
    return `${key}: unknown key '${String(e.params.additionalProperty)}'`;
  return `${key}: ${e.message ?? 'is invalid'}`;
}

function checkReferences(config: Config): void {
  const orgIds = new Set<string>();
  for (const org of config.organisations) {
    if (orgIds.has(org.id)) throw new ConfigError(`organisations: id '${org.id}' is used twice`);
    orgIds.add(org.id);
  }
  const clientIds = new Set<string>();
  config.clients.forEach((client, i) => {
    if (clientIds.has(client.id)) throw new ConfigError(`clients[${i}].id: '${client.id}' is used twice`);
    clientIds.add(client.id);
    if (!orgIds.has(client.organisation)) {
      throw new ConfigError(`clients[${i}].organisation: no organisation with id '${client.organisation}'`);
    }
  });
  checkJobSettings(config, orgIds);
  checkExportSettings(config);
}

function checkExportSettings(config: Config): void {
  config.export?.recipients.forEach((recipient, i) => {
    const client = config.clients.find((c) => c.id === recipient.client);
    if (!client?.roles.includes('platform'))
      throw new ConfigError(
        `export.recipients[${i}].client: no client '${recipient.client}' with the platform role`,
      );
    if (!recipient.keyFile && !recipient.keyJson)
      throw new ConfigError(
        `export.recipients[${i}]: no key; set keyFile or the environment variable ${exportKeyVariable(recipient.id)}`,
      );
  });
  const groups = new Set<string>();
  config.export?.groups.forEach((group, i) => {
    if (groups.has(group.id)) throw new ConfigError(`export.groups[${i}].id: '${group.id}' is used twice`);
    groups.add(group.id);
  });
}

function checkJobSettings(config: Config, orgIds: ReadonlySet<string>): void {
  const { maxDelaySeconds, baseDelaySeconds } = config.delivery;
  if (maxDelaySeconds < baseDelaySeconds)
    throw new ConfigError('delivery.maxDelaySeconds: must be at least delivery.baseDelaySeconds');
  for (const [job, expression] of Object.entries(config.jobs.schedules)) {
    if (!validateCron(expression))
      throw new ConfigError(`jobs.schedules.${job}: '${expression}' is not a cron expression`);
  }
  config.import?.sources.forEach((source, i) => {
    if (!orgIds.has(source.organisation))
      throw new ConfigError(
        `import.sources[${i}].organisation: no organisation with id '${source.organisation}'`,
      );
  });
  if (config.mllp && !orgIds.has(config.mllp.organisation))
    throw new ConfigError(`mllp.organisation: no organisation with id '${config.mllp.organisation}'`);
}
