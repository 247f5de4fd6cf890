/**
 * FHIR routes are declared as data: the router is built from this list, and so is the
 * CapabilityStatement, so what /fhir/metadata says cannot drift from what the server does.
 */
import type { Request, Response } from 'express';
import type { Principal } from '../auth/smart.js';
import type { Interaction } from '../auth/scopes.js';

export type RestInteraction =
  'read' | 'vread' | 'search-type' | 'history-instance' | 'create' | 'update' | 'patch' | 'delete';

export interface SearchParamDoc {
  name: string;
  type: 'token' | 'reference' | 'date' | 'string' | 'number' | 'uri' | 'composite' | 'quantity' | 'special';
  /** Canonical URL of the SearchParameter definition. */
  definition?: string;
  documentation?: string;
}

export interface FhirRouteContext {
  req: Request;
  res: Response;
  principal: Principal;
}

export interface FhirRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path below /fhir, e.g. `/Task/:id`. */
  path: string;
  /** For resource-level routes: the resource type and REST interaction (CapabilityStatement). */
  resource?: { type: string; interaction: RestInteraction; searchParams?: readonly SearchParamDoc[] };
  /** For operations: the operation name without `$` and its level. */
  operation?: { name: string; level: 'system' | 'type' | 'instance'; type?: string; definition?: string };
  /** The SMART interaction this route needs on `scopeType` (default: the resource type). */
  scope: { type: string; interaction: Interaction };
  handler(ctx: FhirRouteContext): Promise<void>;
}
