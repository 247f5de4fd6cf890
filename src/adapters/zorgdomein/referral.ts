/**
 * The referral (ServiceRequest) of a ZorgDomein referral message completed from the document:
 * subject, requester, performer and date, the referral category (the document's, else the
 * channel's), the reasons and notes of the document's sections, the client's request, and the
 * resources that go along as supporting information.
 */
import { SYSTEMS } from '../../fhir/codes.js';
import { untranslatableIssue } from '../framework.js';
import type { Parts } from './parts.js';
import { codings, type Entry, isOut, type Out, refs, type Run, urn } from './run.js';
import { inSection } from './summary.js';

/** The requester is the first author of the Composition that is a PractitionerRole or an Organization. */
export function completeReferral(run: Run, parts: Parts): void {
  const requester = refs(parts.summary.author).find((a) =>
    ['PractitionerRole', 'Organization'].includes(run.byUrn.get(a)?.type ?? ''),
  );
  const r = parts.referral;
  r.subject = { reference: urn(parts.patient) };
  if (r.requester === undefined && requester) r.requester = { reference: requester };
  if (r.performer === undefined) r.performer = [{ reference: parts.receiver.ref }];
  if (r.authoredOn === undefined && typeof parts.summary.date === 'string') r.authoredOn = parts.summary.date;
  ensureCategory(run, r);
  const known = new Set(refs(r.reasonReference));
  const reasons = parts.reasons.filter((ref) => !known.has(ref));
  if (reasons.length > 0)
    r.reasonReference = [
      ...(Array.isArray(r.reasonReference) ? r.reasonReference : []),
      ...reasons.map((reference) => ({ reference })),
    ];
  const reasonText = parts.texts.get('reason');
  if (reasonText)
    r.reasonCode = [
      ...(Array.isArray(r.reasonCode) ? r.reasonCode : []),
      ...reasonText.map((text) => ({ text })),
    ];
  const notes = parts.texts.get('note');
  if (notes) r.note = [...(Array.isArray(r.note) ? r.note : []), ...notes.map((text) => ({ text }))];
  const request = parts.texts.get('client-request');
  if (request) {
    const extension = Array.isArray(r.extension) ? r.extension : [];
    r.extension = [
      ...extension,
      {
        url: 'https://overdracht.dev/fhir/StructureDefinition/ov-client-request',
        valueString: request.join(' '),
      },
    ];
  }
  const supporting = supportingInfo(run);
  const listed = new Set(refs(r.supportingInfo));
  r.supportingInfo = [
    { type: 'Composition', reference: `urn:uuid:${String(parts.summary.id)}` },
    ...(Array.isArray(r.supportingInfo) ? r.supportingInfo : []),
    ...supporting.filter((ref) => !listed.has(ref)).map((reference) => ({ reference })),
  ];
}

/** The referral-category from the document's own category (translated), else from the channel. */
function ensureCategory(run: Run, r: Out): void {
  const categories = Array.isArray(r.category) ? r.category.filter(isOut) : [];
  if (categories.some((c) => codings(c).some((x) => x.system === SYSTEMS.referralCategory))) return;
  const code = run.ctx.channel?.referralCategory;
  if (!code) {
    run.issues.push(
      untranslatableIssue({
        location: 'channel.referralCategory',
        message:
          'the document gives no referral category and the channel configuration does not set referralCategory',
      }),
    );
    return;
  }
  r.category = [...categories, { coding: [{ system: SYSTEMS.referralCategory, code }] }];
}

/** Resources the rules send along as the referral's supporting information. */
function supportingInfo(run: Run): string[] {
  return run.entries
    .filter((e) => e.out && e.rule && inSupporting(run, e))
    .map((e) => `urn:uuid:${String(e.outId)}`);
}

function inSupporting(run: Run, e: Entry): boolean {
  if (e.rule?.supportingInfo === 'always') return true;
  return e.rule?.supportingInfo === 'otherwise' && !inSection(run, e);
}
