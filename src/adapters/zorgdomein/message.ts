/**
 * The referral message a ZorgDomein document becomes: the organisation types the gateway needs
 * (from the document, else the channel, else a broader type taken with a warning), the
 * MessageHeader (event, sender, receiver, endpoints) and the message Bundle, header first.
 */
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { PROFILES, SYSTEMS } from '../../fhir/codes.js';
import { recordError, untranslatableIssue } from '../framework.js';
import { uuidFor } from '../ids.js';
import { rewrite } from './copy.js';
import { isObject } from './parse.js';
import type { Parts } from './parts.js';
import { codings, isOut, type Out, type Run, urn } from './run.js';

function ensureOrganizationType(run: Run, organization: Out | undefined, channelKey: string): void {
  if (!organization) return;
  const types = Array.isArray(organization.type) ? organization.type.filter(isOut) : [];
  if (types.some((t) => codings(t).some((c) => c.system === SYSTEMS.organizationType))) return;
  const code = run.ctx.channel?.[channelKey] ?? widerOrganizationType(run, channelKey, types);
  if (!code) {
    run.issues.push(
      untranslatableIssue({
        location: `channel.${channelKey}`,
        message: `the organisation type is not in the document and the channel configuration does not set '${channelKey}'; without it the Organization does not meet ov-organization (type[organizationType] is required)`,
      }),
    );
    return;
  }
  organization.type = [...types, { coding: [{ system: SYSTEMS.organizationType, code }] }];
}

/**
 * The organisation type a broader RoleCodeNL code gives (G5 is GGZ of all ages: ggz-institution)
 * when the channel does not decide; reported, so a youth-GGZ channel knows to set it.
 */
function widerOrganizationType(run: Run, channelKey: string, types: readonly Out[]): string | undefined {
  const maps = (run.spec.resources.Organization?.translate ?? [])
    .filter((rule) => rule.element === 'type')
    .map((rule) => rule.conceptMap);
  for (const source of types.flatMap((t) => codings(t)))
    for (const conceptMap of maps) {
      const t = run.ctx.translator.translate(conceptMap, source);
      if (t.kind !== 'mapped') continue;
      const target = t.targets.find(
        (x) => x.system === SYSTEMS.organizationType && x.equivalence === 'wider',
      );
      if (!target) continue;
      run.issues.push(
        untranslatableIssue({
          location: `channel.${channelKey}`,
          message: `the document's organisation type ${source.code} is broader than one organisation type and the channel configuration does not set '${channelKey}'; it is taken as ${target.code}`,
        }),
      );
      return target.code;
    }
  return undefined;
}

type Assembled = { bundle: Bundle } | { problem: OperationOutcomeIssue };

export function assemble(run: Run, event: string, parts: Parts): Assembled {
  const source = run.doc.bundle;
  const timestamp = instantOf(source.timestamp) ?? instantOf(parts.summary.date);
  if (!timestamp) {
    return {
      problem: recordError(
        {
          location: `${run.doc.base}.timestamp`,
          message: 'Neither Bundle.timestamp nor Composition.date gives the time of the document',
        },
        'required',
      ),
    };
  }
  if (instantOf(source.timestamp)) run.used.add(`${run.doc.base}.timestamp`);
  const receiverEntry = run.byUrn.get(parts.receiver.ref);
  ensureOrganizationType(run, parts.sender.out, 'senderOrganizationType');
  ensureOrganizationType(
    run,
    receiverEntry?.out ?? parts.receiver.channelOrganization,
    'receiverOrganizationType',
  );
  const header = messageHeader(run, event, parts);
  const head = [header, parts.referral, parts.summary, parts.patient.out];
  const rest = run.entries.filter((e) => e.out && !head.includes(e.out)).map((e) => e.out);
  const resources = [...head, ...rest, parts.receiver.channelOrganization].filter(isOut);
  const bundle: Out = {
    resourceType: 'Bundle',
    id: uuidFor(run.idBase, 'bundle'),
    meta: { profile: [PROFILES.referralMessage] },
    type: 'message',
    timestamp,
  };
  if (isObject(source.identifier))
    bundle.identifier = rewrite(run, source.identifier, `${run.doc.base}.identifier`);
  bundle.entry = resources.map((resource) => ({ fullUrl: `urn:uuid:${String(resource.id)}`, resource }));
  return { bundle: bundle as unknown as Bundle };
}

function messageHeader(run: Run, event: string, parts: Parts): Out {
  const channel = run.ctx.channel ?? {};
  const destinationEndpoint = channel.destinationEndpoint;
  if (!destinationEndpoint) {
    run.issues.push(
      untranslatableIssue({
        location: 'channel.destinationEndpoint',
        message:
          "the document has no receiving endpoint and the channel configuration does not set 'destinationEndpoint'",
      }),
    );
  }
  return {
    resourceType: 'MessageHeader',
    id: uuidFor(run.idBase, 'header'),
    meta: { profile: ['https://overdracht.dev/fhir/StructureDefinition/ov-messageheader'] },
    eventCoding: { system: SYSTEMS.messageEvent, code: event },
    source: {
      name: run.spec.header.sourceName,
      endpoint: channel.sourceEndpoint ?? run.spec.header.sourceEndpoint,
    },
    destination: [
      {
        endpoint: destinationEndpoint ?? 'urn:overdracht:destination-unknown',
        receiver: { reference: parts.receiver.ref },
      },
    ],
    sender: { reference: urn(parts.sender) },
    focus: [{ reference: `urn:uuid:${String(parts.referral.id)}` }],
  };
}

/** A FHIR instant: a date-time to the second with a zone. */
function instantOf(v: unknown): string | undefined {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)
    ? v
    : undefined;
}
