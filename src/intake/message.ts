/**
 * The shape every incoming message must have before anything else is looked at: a Bundle of type
 * message, a MessageHeader first with an id and an event from the project's message-event codes,
 * and a focus that resolves inside the Bundle. https://hl7.org/fhir/R4/messaging.html
 */
import type { Bundle, MessageHeader, OperationOutcomeIssue, Reference } from '@medplum/fhirtypes';
import { BundleIndex, type IndexedEntry } from '../fhir/bundle.js';
import { FHIR_ID } from '../fhir/characters.js';
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

export type ShapeResult =
  { ok: true; message: ShapedMessage } | { ok: false; issues: OperationOutcomeIssue[] };

export function checkMessageShape(value: unknown): ShapeResult {
  const fail = (
    expression: string,
    message: string,
    code: OperationOutcomeIssue['code'] = 'invalid',
  ): ShapeResult => ({
    ok: false,
    issues: [issue({ code, expression, message })],
  });
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return fail('Bundle', 'The body must be a FHIR Bundle', 'structure');
  const bundle = value as Bundle;
  if (bundle.resourceType !== 'Bundle') {
    return fail(
      'resourceType',
      `resourceType must be Bundle (was ${JSON.stringify(String(bundle.resourceType ?? ''))})`,
    );
  }
  if (bundle.type !== 'message')
    return fail('Bundle.type', `Bundle.type must be message (was ${String(bundle.type)})`);
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0)
    return fail('Bundle.entry', 'A message has entries', 'required');
  const header = bundle.entry[0]?.resource;
  if (!header || header.resourceType !== 'MessageHeader') {
    return fail('Bundle.entry[0].resource', 'The first entry of a message must be its MessageHeader');
  }
  if (typeof header.id !== 'string' || header.id.length === 0) {
    return fail(
      'Bundle.entry[0].resource.id',
      'MessageHeader.id is required: with the sender it identifies the message',
      'required',
    );
  }
  if (!FHIR_ID.test(header.id)) {
    return fail(
      'Bundle.entry[0].resource.id',
      'MessageHeader.id must be a FHIR id: 1 to 64 letters, digits, hyphens and dots',
    );
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
  // Read before validation: focus and its items may be of any JSON type.
  const focusList: unknown = header.focus ?? [];
  if (!Array.isArray(focusList))
    return fail(
      'Bundle.entry[0].resource.focus',
      'MessageHeader.focus must be an array of References',
      'structure',
    );
  focusList.forEach((f: unknown, i) => {
    const target = index.resolve(
      f && typeof f === 'object' ? (f as Reference).reference : undefined,
      headerEntry,
    );
    if (target) focus.push(target);
    else
      issues.push(
        issue({
          code: 'not-found',
          expression: `Bundle.entry[0].resource.focus[${i}]`,
          message: `MessageHeader.focus does not resolve inside the Bundle`,
        }),
      );
  });
  if (issues.length) return { ok: false, issues };
  if (focus.length === 0)
    return fail(
      'Bundle.entry[0].resource.focus',
      'MessageHeader.focus must name what the message is about',
      'required',
    );
  const dangling = danglingReferences(index);
  if (dangling.length) return { ok: false, issues: dangling };
  return { ok: true, message: { bundle, index, header, headerId: header.id, event, focus } };
}

/**
 * A message travels alone: every reference in it resolves to one of its entries (ov-bdl-ref-1),
 * or the receiver would hold links to nowhere. Each one that does not is named by its path.
 * References to contained resources (`#id`) and the inside of nested Bundles are exempt.
 */
function danglingReferences(index: BundleIndex): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const e of index.entries) {
    if (e.resource.resourceType === 'Bundle') continue;
    const stack: { value: unknown; path: string }[] = [
      { value: e.resource, path: `Bundle.entry[${e.index}].resource` },
    ];
    while (stack.length > 0) {
      const { value, path } = stack.pop() ?? { value: undefined, path: '' };
      if (value === null || typeof value !== 'object') continue;
      if (Array.isArray(value)) {
        value.forEach((v, i) => stack.push({ value: v, path: `${path}[${i}]` }));
        continue;
      }
      const o = value as Record<string, unknown>;
      const ref = o.reference;
      if (typeof ref === 'string' && !ref.startsWith('#') && !index.resolve(ref, e)) {
        issues.push(
          issue({
            code: 'not-found',
            expression: path,
            message: 'This reference does not resolve to an entry of the message',
          }),
        );
      }
      for (const [key, child] of Object.entries(o))
        if (key !== 'contained') stack.push({ value: child, path: `${path}.${key}` });
    }
  }
  return issues.sort((a, b) => (a.expression?.[0] ?? '').localeCompare(b.expression?.[0] ?? ''));
}
