/**
 * What holds the HL7 v2 engine's resources together: a resource without an element its rule
 * requires is dropped (and its segment reported), and reference rules link the kept resources,
 * within a segment, to its child segments, or across the message.
 */
import { recordError } from '../../framework.js';
import { type Json, setPath } from '../../paths.js';
import { segmentLocation } from '../locate.js';
import type { ReferenceRule } from '../spec.js';
import { codedIn, type Draft, live, type Run } from './run.js';

/** A resource without what it cannot do without is dropped; its whole segment is reported once. */
export function enforceRequired(run: Run): void {
  for (const d of live(run)) {
    const missing = (d.rule.require ?? []).find((r) => !hasValue(d.resource, r.path));
    if (!missing) continue;
    d.dropped = true;
    d.reported.push(...d.used);
    d.issues.push(
      recordError(
        {
          location: segmentLocation(run.deps.structure, d.segment),
          message: `${missing.message}; this ${d.segment.name} is not converted`,
        },
        'required',
      ),
    );
  }
}

/** `a|b`: either element will do. */
function hasValue(resource: Json, path: string): boolean {
  return path.split('|').some((p) => {
    const v = resource[p];
    return v !== undefined && !(Array.isArray(v) && v.length === 0);
  });
}

export function linkAll(run: Run, phase: (scope: NonNullable<ReferenceRule['scope']>) => boolean): void {
  for (const draft of live(run)) {
    for (const ref of draft.rule.references ?? []) if (phase(ref.scope ?? 'message')) link(run, draft, ref);
  }
}

function link(run: Run, draft: Draft, ref: ReferenceRule): void {
  for (const name of ref.to) {
    let found = live(run).filter(
      (d) => d.rule.name === name && inScope(run, draft, d, ref.scope ?? 'message'),
    );
    if (ref.valueSet) found = found.filter((d) => codedIn(run, d.resource, ref.valueSet ?? ''));
    if (found.length === 0) continue;
    for (const target of ref.all ? found : found.slice(0, 1)) {
      const reference: Json = { reference: `urn:uuid:${target.id}` };
      if (ref.type) reference.type = ref.type;
      if (setPath(draft.resource, ref.target, reference)) target.referenced = true;
    }
    return;
  }
}

function inScope(run: Run, from: Draft, to: Draft, scope: NonNullable<ReferenceRule['scope']>): boolean {
  switch (scope) {
    case 'message':
      return true;
    case 'segment':
      return to.segment === from.segment;
    case 'children':
      return run.owners.get(to.segment.position) === from.segment;
    default:
      return scope satisfies never;
  }
}
