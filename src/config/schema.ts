/** JSON Schema of the configuration (see types.ts); ajv reports each bad key by its path. */
const jwk = { type: 'object', required: ['kty'], properties: { kty: { type: 'string' } } } as const;

const identifier = {
  type: 'object',
  required: ['system', 'value'],
  additionalProperties: false,
  properties: { system: { type: 'string', minLength: 1 }, value: { type: 'string', minLength: 1 } },
} as const;

const delivery = {
  type: 'object',
  required: ['mode'],
  properties: { mode: { enum: ['push', 'notified-pull', 'none'] } },
  allOf: [
    {
      if: { properties: { mode: { const: 'push' } } },
      then: { required: ['endpoint'], properties: { endpoint: { type: 'string', format: 'uri' } } },
    },
    { if: { properties: { mode: { const: 'notified-pull' } } }, then: { required: ['notifyEndpoint'] } },
  ],
} as const;

const cron = { type: 'string', minLength: 9, maxLength: 100 } as const;
const days = { type: 'integer', minimum: 1, maximum: 36500 } as const;

const deliverySettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxAttempts: { type: 'integer', minimum: 1, maximum: 1000, default: 25 },
    baseDelaySeconds: { type: 'number', exclusiveMinimum: 0, maximum: 86400, default: 10 },
    maxDelaySeconds: { type: 'number', exclusiveMinimum: 0, maximum: 86400, default: 900 },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 300000, default: 10000 },
    batchSize: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
  },
} as const;

const jobs = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean', default: true },
    timeZone: { type: 'string', minLength: 1, default: 'Europe/Amsterdam' },
    schedules: {
      type: 'object',
      propertyNames: { pattern: '^[a-z][a-z0-9-]*$' },
      additionalProperties: cron,
      default: {},
    },
    watchdogDays: { ...days, default: 10 },
  },
} as const;

const retention = {
  type: 'object',
  additionalProperties: false,
  required: ['auditEvents'],
  properties: {
    // The audit trail is not a resource type the retention job may name.
    resourceDays: {
      type: 'object',
      propertyNames: { pattern: '^[A-Z][A-Za-z]+$', not: { const: 'AuditEvent' } },
      additionalProperties: days,
      default: {},
    },
    defaultDays: days,
    deliveredOutboxDays: { ...days, default: 30 },
    auditEvents: { const: 'keep' },
  },
} as const;

const importSettings = {
  type: 'object',
  additionalProperties: false,
  required: ['folder', 'sources'],
  properties: {
    folder: { type: 'string', minLength: 1 },
    sources: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['dir', 'format', 'organisation'],
        properties: {
          dir: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
          format: { type: 'string', minLength: 1 },
          organisation: { type: 'string', minLength: 1 },
          channel: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  },
} as const;

/** The MLLP listener for HL7 v2 referrals (src/mllp). */
const mllpSettings = {
  type: 'object',
  additionalProperties: false,
  required: ['port', 'organisation'],
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    organisation: { type: 'string', minLength: 1 },
    channel: { type: 'object', additionalProperties: { type: 'string' } },
    maxFrameBytes: { type: 'integer', minimum: 1024, maximum: 67108864, default: 2097152 },
  },
} as const;

/** Export recipients and Groups (src/export); key and policy files are resolved by the loader. */
const exportSettings = {
  type: 'object',
  additionalProperties: false,
  required: ['recipients'],
  properties: {
    recipients: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'client', 'policyFile'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
          client: { type: 'string', minLength: 1 },
          policyFile: { type: 'string', minLength: 1 },
          keyFile: { type: 'string', minLength: 1 },
          keyJson: { type: 'string', minLength: 1 },
        },
      },
    },
    groups: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'municipality'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9.-]{1,64}$' },
          name: { type: 'string', minLength: 1 },
          municipality: { type: 'string', pattern: '^GM[0-9]{4}$' },
        },
      },
    },
    pageWorker: { type: 'boolean' },
  },
} as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'port',
    'baseUrl',
    'demo',
    'storage',
    'http',
    'auth',
    'organisations',
    'clients',
    'log',
    'delivery',
    'jobs',
  ],
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    baseUrl: { type: 'string', pattern: '^https?://' },
    demo: { type: 'boolean' },
    storage: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['driver', 'dataDir'],
          properties: { driver: { const: 'pglite' }, dataDir: { type: 'string', minLength: 1 } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['driver', 'url'],
          properties: { driver: { const: 'pg' }, url: { type: 'string', pattern: '^postgres(ql)?://' } },
        },
      ],
    },
    http: {
      type: 'object',
      additionalProperties: false,
      required: ['bodyLimitBytes'],
      properties: { bodyLimitBytes: { type: 'integer', minimum: 1024, maximum: 512 * 1024 * 1024 } },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['tokenLifetimeSeconds', 'signingKey'],
      properties: {
        tokenLifetimeSeconds: { type: 'integer', minimum: 30, maximum: 3600, default: 300 },
        signingKey: jwk,
      },
    },
    organisations: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'identifier', 'type', 'delivery'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
          name: { type: 'string', minLength: 1 },
          identifier,
          type: {
            enum: [
              'gp-practice',
              'ggz-institution',
              'youth-ggz-institution',
              'social-domain-organisation',
              'municipality',
              'regional-table',
              'data-platform',
            ],
          },
          delivery,
          municipality: { type: 'string', pattern: '^GM[0-9]{4}$' },
        },
      },
    },
    clients: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'organisation', 'roles', 'scopes', 'jwks'],
        properties: {
          id: { type: 'string', minLength: 1 },
          organisation: { type: 'string' },
          roles: {
            type: 'array',
            minItems: 1,
            items: {
              enum: ['sender', 'receiver', 'privacy-officer', 'platform', 'regional-table', 'operator'],
            },
          },
          scopes: { type: 'array', items: { type: 'string', pattern: '^system/' } },
          jwks: {
            type: 'object',
            required: ['keys'],
            properties: { keys: { type: 'array', minItems: 1, items: jwk } },
          },
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      required: ['level'],
      properties: { level: { enum: ['debug', 'info', 'warn', 'error'] } },
    },
    delivery: deliverySettings,
    jobs,
    retention,
    import: importSettings,
    export: exportSettings,
    mllp: mllpSettings,
  },
} as const;
