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

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['port', 'baseUrl', 'demo', 'storage', 'http', 'auth', 'organisations', 'clients', 'log'],
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
  },
} as const;
