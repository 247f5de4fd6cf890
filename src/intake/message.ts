/**
 * The shape every incoming message must have before anything else is looked at: a Bundle of type
 * message, a MessageHeader first with an id and an event from the project's message-event codes,
 * and a focus that resolves inside the Bundle. https://hl7.org/fhir/R4/messaging.html
 */
import type { Bundle, MessageHeader, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { BundleIndex, type IndexedEntry } from '../fhir/bundle.js';
import { SYSTEMS } from '../fhir/codes.js';
import { issue } from '../fhir/outcomes.js';

export const MESSAGE_EVENTS = ['referral', 'handover', 'feedback', 'cancellation', 'task-update'] as const;
export type MessageEvent = (typeof MESSAGE_EVENTS)[number];

export interface ShapedMessage {
  bundle: Bundle;
  index: BundleIndex;
  header: MessageHeader;
  headerId: string;
  event: MessageEvent;
  focus: IndexedEntry[];
}

export type ShapeResult = { ok: true; message: ShapedMessage } | { ok: false; issues: OperationOutcomeIssue[] };

export function checkMessageShape(value: unknown): ShapeResult {
  const fail = (expression: string, message: string, code: OperationOutcomeIssue['code'] = 'invalid'): ShapeResult => ({
    ok: false,
    issues: [issue({ code, expression, message })],
  });
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail('Bundle', 'The body must be a FHIR Bundle', 'structure');
  const bundle = value as Bundle;
  if (bundle.resourceType !== 'Bundle') {
    return fail('resourceType', `resourceType must be Bundle (was ${JSON.stringify(String(bundle.resourceType ?? ''))})`);
  }
  if (bundle.type !== 'message') return fail('Bundle.type', `Bundle.type must be message (was ${String(bundle.type)})`);
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0) return fail('Bundle.entry', 'A message has entries', 'required');
  const header = bundle.entry[0]?.resource;
  if (!header || header.resourceType !== 'MessageHeader') {
    return fail('Bundle.entry[0].resource', 'The first entry of a message must be its MessageHeader');
  }
  if (typeof header.id !== 'string' || header.id.length === 0) {
    return fail('Bundle.entry[0].resource.id', 'MessageHeader.id is required: with the sender it identifies the message', 'required');
  }
  const coding = header.eventCoding;
  const event = MESSAGE_EVENTS.find((e) => coding?.system === SYSTEMS.messageEvent && coding.code === e);
  if (!event) {
    return fail(
      'Bundle.entry[0].resource.eventCoding',
      `MessageHeader.eventCoding must be one of ${MESSAGE_EVENTS.join(', ')} from ${SYSTEMS.messageEvent}`,
      'code-invalid',
    );
  }
  const index = new BundleIndex(bundle);
  const headerEntry = index.entries[0];
  const focus: IndexedEntry[] = [];
  const issues: OperationOutcomeIssue[] = [];
  (header.focus ?? []).forEach((f, i) => {
    const target = index.resolve(f.reference, headerEntry);
    if (target) focus.push(target);
    else issues.push(issue({ code: 'not-found', expression: `Bundle.entry[0].resource.focus[${i}]`, message: `MessageHeader.focus does not resolve inside the Bundle` }));
  });
  if (issues.length) return { ok: false, issues };
  if (focus.length === 0) return fail('Bundle.entry[0].resource.focus', 'MessageHeader.focus must name what the message is about', 'required');
  return { ok: true, message: { bundle, index, header, headerId: header.id, event, focus } };
}
