/**
 * The HTTP application: system endpoints, the SMART token endpoint, and the FHIR routes declared
 * by the gateway's modules. Built by `createApp(deps)`; listening is the caller's business, so
 * tests drive the same app with supertest.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { allows } from '../auth/scopes.js';
import { exchangeToken, OAuthError, tokenEndpoint, type JtiStore, type Principal } from '../auth/smart.js';
import { VerifiedTokens } from '../auth/token-cache.js';
import type { Config } from '../config/types.js';
import { FHIR_ID } from '../fhir/characters.js';
import {
  forbidden,
  issue,
  normalizeError,
  notFound,
  OperationOutcomeError,
  outcome,
  unauthorized,
} from '../fhir/outcomes.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { readForm } from './body.js';
import { buildCapabilityStatement } from './capability.js';
import { sendOutcome, sendResource } from './respond.js';
import type { FhirRoute } from './routes.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  jtis: JtiStore;
  now: () => Date;
  version: string;
  routes: readonly FhirRoute[];
  supportedProfiles?: Record<string, string[]>;
  /** Readiness of dependencies (database), for /healthz. */
  health?: () => Promise<{ ok: boolean; details?: Record<string, string> }>;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'extended');
  app.use(observe(deps));

  app.get('/healthz', async (_req, res) => {
    const h = (await deps.health?.()) ?? { ok: true };
    res.status(h.ok ? 200 : 503).json({ status: h.ok ? 'ok' : 'unavailable', ...(h.details ?? {}) });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.get('/.well-known/smart-configuration', (_req, res) => {
    res.json({
      token_endpoint: tokenEndpoint(deps.config),
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      grant_types_supported: ['client_credentials'],
      scopes_supported: ['system/*.rs', 'system/*.cruds', 'system/Task.rus', 'system/AuditEvent.rs'],
      capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
    });
  });
  app.post('/auth/token', async (req, res) => {
    try {
      const form = await readForm(req, 64 * 1024);
      res.set('Cache-Control', 'no-store').json(await exchangeToken(form, deps));
    } catch (err) {
      if (err instanceof OAuthError) {
        res
          .status(err.status)
          .set('Cache-Control', 'no-store')
          .json({ error: err.error, error_description: err.description });
        return;
      }
      throw err;
    }
  });

  const capability = () =>
    buildCapabilityStatement(deps.routes, {
      config: deps.config,
      version: deps.version,
      now: deps.now(),
      ...(deps.supportedProfiles ? { supportedProfiles: deps.supportedProfiles } : {}),
    });
  app.get('/fhir/metadata', (_req, res) => sendResource(res, 200, capability()));

  const fhir = express.Router();
  fhir.use(authenticate(deps));
  for (const route of deps.routes) {
    fhir[route.method](route.path, async (req: Request, res: Response) => {
      const principal = res.locals.principal as Principal;
      if (!allows(principal.scopes, route.scope.type, route.scope.interaction)) {
        throw new OperationOutcomeError(
          forbidden(`The token's scopes do not allow this on ${route.scope.type}`),
          403,
        );
      }
      checkIdParam(req, route);
      res.locals.route = route.operation
        ? `$${route.operation.name}`
        : `${route.resource?.type ?? ''}:${route.resource?.interaction ?? ''}`;
      await route.handler({ req, res, principal });
    });
  }
  app.use('/fhir', fhir);
  // Conversion is not FHIR's own interaction: it also answers at /convert/{format} and
  // /convert/to/{format}, with the same token and scope checks.
  app.use('/convert', (req, res, next) => {
    req.url = `/convert${req.url}`;
    fhir(req, res, next);
  });
  app.use((_req, res) => sendOutcome(res, notFound('No such endpoint'), 404));
  app.use(errorHandler(deps));
  return app;
}

/** An `:id` in the URL must be a FHIR id: 400 naming the element before any lookup. */
function checkIdParam(req: Request, route: FhirRoute): void {
  const id = req.params.id;
  if (id === undefined || (typeof id === 'string' && FHIR_ID.test(id))) return;
  const type = route.resource?.type ?? route.operation?.type ?? route.scope.type;
  throw new OperationOutcomeError(
    outcome([
      issue({
        code: 'value',
        expression: `${type}.id`,
        message: 'The id in the URL is not a FHIR id: 1 to 64 letters, digits, hyphens and dots',
      }),
    ]),
    400,
  );
}

/** Bearer token to Principal; 401 (with the RFC 6750 header) when absent or invalid. */
function authenticate(deps: AppDeps) {
  const tokens = new VerifiedTokens(deps.config);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = m?.[1] ? await tokens.verify(m[1], deps.now()) : undefined;
    if (!principal) {
      res.set('WWW-Authenticate', `Bearer realm="overdracht"${m ? ', error="invalid_token"' : ''}`);
      sendOutcome(
        res,
        unauthorized(m ? 'The access token is invalid or expired' : 'An access token is required'),
        401,
      );
      return;
    }
    res.locals.principal = principal;
    next();
  };
}

function observe(deps: AppDeps) {
  const known = {
    types: new Set(
      deps.routes
        .flatMap((r) => [r.resource?.type, r.operation?.type])
        .filter((t): t is string => t !== undefined),
    ),
    operations: new Set(deps.routes.flatMap((r) => (r.operation ? [`$${r.operation.name}`] : []))),
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    const requestId = randomUUID();
    res.set('X-Request-Id', requestId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route =
        typeof res.locals.route === 'string'
          ? res.locals.route
          : routeLabel(req.originalUrl.split('?')[0] ?? '', known);
      deps.metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      deps.metrics.latency.observe({ method: req.method, route }, seconds);
      deps.logger.info('http.request', {
        requestId,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1000 * 10) / 10,
        client: (res.locals.principal as Principal | undefined)?.clientId,
      });
    });
    next();
  };
}

/** Paths outside /fhir that are logged as they are; any other path may hold data and is not. */
const SYSTEM_PATHS = new Set([
  '/healthz',
  '/metrics',
  '/auth/token',
  '/.well-known/smart-configuration',
  '/fhir',
  '/fhir/metadata',
]);

/**
 * A path label without ids or values: `/fhir/Task/:id` style. Only parts the gateway itself
 * defines (its resource types, its operations) are kept, since a caller may put anything,
 * a name or a BSN, in a path.
 */
function routeLabel(
  path: string,
  known: { types: ReadonlySet<string>; operations: ReadonlySet<string> },
): string {
  if (SYSTEM_PATHS.has(path)) return path;
  if (!path.startsWith('/fhir/')) return '(unknown path)';
  const [type = '', second] = path.slice('/fhir/'.length).split('/');
  const operation = (part: string): string => (known.operations.has(part) ? part : '$(unknown)');
  if (type.startsWith('$')) return `/fhir/${operation(type)}`;
  if (!known.types.has(type)) return '/fhir/(unknown type)';
  return `/fhir/${type}${second ? (second.startsWith('$') ? `/${operation(second)}` : '/:id') : ''}`;
}

function errorHandler(deps: AppDeps) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const { outcome, status } = normalizeError(err);
    if (status >= 500) {
      deps.logger.error('http.error', { errorType: err instanceof Error ? err.name : typeof err });
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendOutcome(res, outcome, status);
  };
}
