/**
 * FHIR Bulk Data export for regional data platforms (src/export): kick-off at system level and
 * per Group, the status URL (poll and delete) and the NDJSON files, behind the same token check
 * as every FHIR route. https://hl7.org/fhir/uv/bulkdata/export.html
 */
import type { Request, Response } from 'express';
import type { Principal } from '../../auth/smart.js';
import { NDJSON, parseExportRequest } from '../../export/request.js';
import type { ExportService } from '../../export/service.js';
import { issue, outcome } from '../../fhir/outcomes.js';
import { sendOutcome } from '../respond.js';
import type { FhirRoute } from '../routes.js';

export interface ExportRouteDeps {
  service: ExportService;
  /** The FHIR base URL (`<baseUrl>/fhir`). */
  base: string;
  /** The resource types the store holds (what `_type` may name). */
  storedTypes: ReadonlySet<string>;
  /** Seconds a client is asked to wait between polls. */
  retryAfterSeconds?: number;
}

/** Export routes need read access; the kick-off checks each exported type against the scopes as well. */
const SCOPE = { type: 'Patient', interaction: 'r' } as const;

function queryOf(req: Request): URLSearchParams {
  const url = req.originalUrl;
  const at = url.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
}

export function exportRoutes(deps: ExportRouteDeps): FhirRoute[] {
  const statusUrl = (id: string) => `${deps.base}/$export-status/${id}`;
  const fileUrl = (id: string, file: string) => `${deps.base}/$export-file/${id}/${file}`;
  const requestUrl = (req: Request) => `${deps.base}${req.originalUrl.replace(/^\/fhir/, '')}`;

  const kickOff = async (req: Request, res: Response, principal: Principal, groupId?: string) => {
    const request = parseExportRequest(
      queryOf(req),
      groupId ? 'group' : 'system',
      deps.storedTypes,
      requestUrl(req),
      groupId,
    );
    const id = await deps.service.kickOff(principal, request, res.get('X-Request-Id'));
    res.status(202).set('Content-Location', statusUrl(id)).end();
  };

  return [
    {
      method: 'get',
      path: '/\\$export',
      operation: {
        name: 'export',
        level: 'system',
        definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export',
      },
      scope: SCOPE,
      handler: ({ req, res, principal }) => kickOff(req, res, principal),
    },
    {
      method: 'get',
      path: '/Group/:id/\\$export',
      operation: {
        name: 'export',
        level: 'instance',
        type: 'Group',
        definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export',
      },
      scope: SCOPE,
      handler: ({ req, res, principal }) => kickOff(req, res, principal, String(req.params.id)),
    },
    {
      method: 'get',
      path: '/\\$export-status/:id',
      scope: SCOPE,
      async handler({ req, res, principal }) {
        const view = await deps.service.status(principal, String(req.params.id), fileUrl);
        switch (view.kind) {
          case 'in-progress':
            res
              .status(202)
              .set({ 'X-Progress': view.progress, 'Retry-After': String(deps.retryAfterSeconds ?? 2) })
              .end();
            return;
          case 'complete':
            res.status(200).json(view.manifest);
            return;
          case 'error':
            sendOutcome(
              res,
              outcome([
                issue({ severity: 'error', code: 'exception', message: `The export failed (${view.code})` }),
              ]),
              500,
            );
            return;
          default:
            view satisfies never;
        }
      },
    },
    {
      method: 'delete',
      path: '/\\$export-status/:id',
      scope: SCOPE,
      async handler({ req, res, principal }) {
        await deps.service.cancel(principal, String(req.params.id), res.get('X-Request-Id'));
        res.status(202).end();
      },
    },
    {
      method: 'get',
      path: '/\\$export-file/:id/:file',
      scope: SCOPE,
      async handler({ req, res, principal }) {
        const parts = await deps.service.file(
          principal,
          String(req.params.id),
          String(req.params.file),
          res.get('X-Request-Id'),
        );
        res.status(200).set('Content-Type', NDJSON);
        for await (const part of parts) {
          // Wait for the socket to drain, so a slow client never makes the parts pile up in memory.
          if (!res.write(part)) await new Promise((resolve) => res.once('drain', resolve));
        }
        res.end();
      },
    },
  ];
}
