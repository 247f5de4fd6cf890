/** The CapabilityStatement, derived from the declared routes. https://hl7.org/fhir/R4/capabilitystatement.html */
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceOperation,
} from '@medplum/fhirtypes';
import type { Config } from '../config/types.js';
import type { FhirRoute } from './routes.js';

export interface CapabilityOptions {
  config: Config;
  version: string;
  /** Profiles supported per resource type (from the package). */
  supportedProfiles?: Record<string, string[]>;
  now: Date;
}

export function buildCapabilityStatement(
  routes: readonly FhirRoute[],
  opts: CapabilityOptions,
): CapabilityStatement {
  const byType = new Map<string, CapabilityStatementRestResource>();
  const systemOps: CapabilityStatementRestResourceOperation[] = [];
  for (const route of routes) {
    if (route.resource) {
      const r = resourceEntry(byType, route.resource.type, opts.supportedProfiles);
      const code = route.resource.interaction;
      if (!r.interaction?.some((i) => i.code === code)) (r.interaction ??= []).push({ code });
      for (const p of route.resource.searchParams ?? []) {
        if (!r.searchParam?.some((s) => s.name === p.name)) {
          (r.searchParam ??= []).push({
            name: p.name,
            type: p.type,
            ...(p.definition ? { definition: p.definition } : {}),
            ...(p.documentation ? { documentation: p.documentation } : {}),
          });
        }
      }
    }
    if (route.operation) {
      const op: CapabilityStatementRestResourceOperation = {
        name: route.operation.name,
        definition:
          route.operation.definition ??
          `http://hl7.org/fhir/OperationDefinition/${route.operation.type ?? 'Resource'}-${route.operation.name}`,
      };
      if (route.operation.level === 'system') {
        if (!systemOps.some((o) => o.name === op.name)) systemOps.push(op);
      } else if (route.operation.type) {
        const r = resourceEntry(byType, route.operation.type, opts.supportedProfiles);
        if (!r.operation?.some((o) => o.name === op.name)) (r.operation ??= []).push(op);
      }
    }
  }
  const base = opts.config.baseUrl.replace(/\/$/, '');
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: opts.now.toISOString(),
    kind: 'instance',
    software: { name: 'overdracht', version: opts.version },
    implementation: { description: 'overdracht validation gateway', url: `${base}/fhir` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: false,
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
            },
          ],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: `${base}/auth/token` }],
            },
          ],
          description:
            'SMART Backend Services (client_credentials with a signed JWT assertion), system/ scopes',
        },
        resource: [...byType.values()].sort((a, b) => a.type.localeCompare(b.type)),
        ...(systemOps.length ? { operation: systemOps } : {}),
      },
    ],
  };
}

function resourceEntry(
  byType: Map<string, CapabilityStatementRestResource>,
  type: string,
  profiles: Record<string, string[]> | undefined,
): CapabilityStatementRestResource {
  const existing = byType.get(type);
  if (existing) return existing;
  const created = {
    type: type as CapabilityStatementRestResource['type'],
    ...(profiles?.[type]?.length ? { supportedProfile: profiles[type] } : {}),
  };
  byType.set(type, created);
  return created;
}
