/**
 * Intake questionnaires over HTTP (SDC, https://hl7.org/fhir/uv/sdc/):
 * - `POST /fhir/Questionnaire/$populate`, `POST /fhir/Questionnaire/{id}/$populate`: a Parameters
 *   body with `subject` (a Patient reference, or a BSN as `valueIdentifier`) and, for a
 *   Questionnaire the gateway does not hold, `questionnaire` (the resource) or `canonical`. The
 *   answer is a Parameters resource with `response` (the QuestionnaireResponse pre-filled from the
 *   client record, each answer with ov-answer-source; monitoring items open) and `issues`.
 * - `POST /fhir/QuestionnaireResponse/$extract`: `questionnaire-response` (and `questionnaire`
 *   when it is not one of the package's); the response and its Observations go into the record.
 * - `GET /fhir/ServiceRequest/{id}/$intake-report`: per intake questionnaire of the caller's kind
 *   of organisation, which questions the record answers, which are open, which are monitoring.
 */
import type {
  Parameters,
  ParametersParameter,
  Questionnaire,
  QuestionnaireResponse,
  Resource,
} from '@medplum/fhirtypes';
import type { Request } from 'express';
import { invalid, notFound, OperationOutcomeError, outcome } from '../../fhir/outcomes.js';
import { parameterList } from '../../fhir/parameters.js';
import { isRecord } from '../../fhir/records.js';
import type { ReferralReport } from '../../questionnaire/index.js';
import type { RecordService, Subject } from '../../record/service.js';
import { readFhirJson } from '../body.js';
import { sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';

export interface QuestionnaireRouteDeps {
  service: RecordService;
  bodyLimitBytes: number;
}

const SDC_OPERATIONS = 'http://hl7.org/fhir/uv/sdc/OperationDefinition';

export function questionnaireRoutes(deps: QuestionnaireRouteDeps): FhirRoute[] {
  const populateHandler: FhirRoute['handler'] = async ({ req, res, principal }) => {
    const params = await parametersOf(req, deps.bodyLimitBytes);
    const id = typeof req.params.id === 'string' ? req.params.id : undefined;
    const q = questionnaireOf(params, id, deps.service);
    const result = await deps.service.populate(q, subjectOf(params), principal);
    sendResource(res, 200, {
      resourceType: 'Parameters',
      parameter: [
        { name: 'response', resource: result.response },
        { name: 'issues', resource: outcome(result.issues) },
      ],
    });
  };
  const populateOperation = {
    name: 'populate',
    type: 'Questionnaire',
    definition: `${SDC_OPERATIONS}/Questionnaire-populate`,
  };
  return [
    {
      method: 'post',
      path: '/Questionnaire/\\$populate',
      operation: { ...populateOperation, level: 'type' },
      scope: { type: 'Questionnaire', interaction: 'r' },
      handler: populateHandler,
    },
    {
      method: 'post',
      path: '/Questionnaire/:id/\\$populate',
      operation: { ...populateOperation, level: 'instance' },
      scope: { type: 'Questionnaire', interaction: 'r' },
      handler: populateHandler,
    },
    {
      method: 'post',
      path: '/QuestionnaireResponse/\\$extract',
      operation: {
        name: 'extract',
        level: 'type',
        type: 'QuestionnaireResponse',
        definition: `${SDC_OPERATIONS}/QuestionnaireResponse-extract`,
      },
      scope: { type: 'QuestionnaireResponse', interaction: 'c' },
      async handler({ req, res, principal }) {
        const params = await parametersOf(req, deps.bodyLimitBytes, 'questionnaire-response');
        const response = resourceParam<QuestionnaireResponse>(
          params,
          'questionnaire-response',
          'QuestionnaireResponse',
        );
        if (!response)
          throw new OperationOutcomeError(
            invalid(
              'The parameter questionnaire-response (a QuestionnaireResponse) is required',
              'Parameters.parameter',
            ),
            422,
          );
        const q = resourceParam<Questionnaire>(params, 'questionnaire', 'Questionnaire');
        const { stored, result } = await deps.service.extract(response, q, principal);
        sendResource(res, 200, {
          resourceType: 'Parameters',
          parameter: [
            {
              name: 'return',
              resource: {
                resourceType: 'Bundle',
                type: 'collection',
                entry: stored.map((resource) => ({ resource })),
              },
            },
            { name: 'added', valueInteger: result.added },
            { name: 'unchanged', valueInteger: result.unchanged },
          ],
        });
      },
    },
    {
      method: 'get',
      path: '/ServiceRequest/:id/\\$intake-report',
      operation: {
        name: 'intake-report',
        level: 'instance',
        type: 'ServiceRequest',
        definition: 'https://overdracht.dev/fhir/OperationDefinition/ServiceRequest-intake-report',
      },
      scope: { type: 'ServiceRequest', interaction: 'r' },
      async handler({ req, res, principal }) {
        const report = await deps.service.intakeReport(String(req.params.id), principal);
        sendResource(res, 200, reportParameters(report));
      },
    },
  ];
}

/** The body as Parameters; a bare resource of type `bare` counts as that one parameter. */
async function parametersOf(req: Request, limit: number, bare?: string): Promise<Parameters> {
  const body = await readFhirJson(req, limit);
  if (!isRecord(body))
    throw new OperationOutcomeError(invalid('The body is a Parameters resource', 'resourceType'), 422);
  if (body.resourceType === 'Parameters') return body as unknown as Parameters;
  if (bare && body.resourceType === 'QuestionnaireResponse')
    return { resourceType: 'Parameters', parameter: [{ name: bare, resource: body as unknown as Resource }] };
  throw new OperationOutcomeError(invalid('The body is a Parameters resource', 'resourceType'), 422);
}

function param(params: Parameters, name: string): { p: ParametersParameter; at: number } | undefined {
  const list = parameterList(params);
  const at = list.findIndex((p) => p.name === name);
  const p = list[at];
  return p ? { p, at } : undefined;
}

function resourceParam<T extends Resource>(
  params: Parameters,
  name: string,
  type: T['resourceType'],
): T | undefined {
  const found = param(params, name);
  if (!found) return undefined;
  const r = found.p.resource;
  if (!r || r.resourceType !== type)
    throw new OperationOutcomeError(
      invalid(`The parameter ${name} holds a ${type}`, `Parameters.parameter[${found.at}].resource`),
      422,
    );
  return r as T;
}

function questionnaireOf(params: Parameters, id: string | undefined, service: RecordService): Questionnaire {
  const given = resourceParam<Questionnaire>(params, 'questionnaire', 'Questionnaire');
  if (given) return given;
  const canonical = param(params, 'canonical')?.p.valueCanonical ?? param(params, 'canonical')?.p.valueUri;
  const key = id ?? canonical;
  if (!key)
    throw new OperationOutcomeError(
      invalid(
        'Name the Questionnaire: its id in the path, or the parameter questionnaire or canonical',
        'Parameters.parameter',
      ),
      422,
    );
  const q = service.questionnaire(key);
  if (!q) throw new OperationOutcomeError(notFound('No such Questionnaire'), 404);
  return q;
}

function subjectOf(params: Parameters): Subject {
  const found = param(params, 'subject');
  if (!found)
    throw new OperationOutcomeError(
      invalid('The parameter subject is required', 'Parameters.parameter'),
      422,
    );
  const { p, at } = found;
  if (p.valueIdentifier) return { identifier: p.valueIdentifier };
  if (p.valueReference?.identifier) return { identifier: p.valueReference.identifier };
  if (p.valueReference?.reference) return { reference: p.valueReference.reference };
  throw new OperationOutcomeError(
    invalid(
      'subject is a valueReference (Patient/id) or a valueIdentifier (BSN)',
      `Parameters.parameter[${at}]`,
    ),
    422,
  );
}

function reportParameters(report: ReferralReport): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      ...(report.referral ? [{ name: 'referral', valueReference: { reference: report.referral } }] : []),
      { name: 'answeredBefore', valueInteger: report.answeredBefore },
      { name: 'open', valueInteger: report.open },
      { name: 'monitoring', valueInteger: report.monitoring },
      ...report.questionnaires.map((q) => ({
        name: 'questionnaire',
        part: [
          { name: 'canonical', valueCanonical: q.questionnaire },
          { name: 'answeredBefore', valueInteger: q.answeredBefore },
          { name: 'open', valueInteger: q.open },
          { name: 'monitoring', valueInteger: q.monitoring },
          ...q.items.map((i) => ({
            name: 'item',
            part: [
              { name: 'linkId', valueString: i.linkId },
              ...(i.text ? [{ name: 'text', valueString: i.text }] : []),
              { name: 'status', valueCode: i.status },
              ...i.sources.map((reference) => ({ name: 'source', valueReference: { reference } })),
            ],
          })),
        ],
      })),
    ],
  };
}
