/**
 * A sliced element's values: each is matched to a slice by the discriminators (extensions by url)
 * and walked against it, or against the sliced element when none matches; then order, closed and
 * open-at-end slicing, and each slice's cardinality. The matching itself is compile/slicing.ts.
 *
 * Spec: https://hl7.org/fhir/R4/profiling.html#slicing
 */
import type { ChildSlot } from '../compile/compiler.js';
import type { Discriminator, ElementNode } from '../compile/element-tree.js';
import { extensionUrlOf, matchesSlice } from '../compile/slicing.js';
import { isRecord } from '../../fhir/records.js';
import type { Walker } from '../walk.js';
import { indexSegment } from './context.js';

/** Slice matching, per-slice cardinality and order; unmatched items against the sliced element. */
export function walkSliced(
  w: Walker,
  slot: ChildSlot,
  items: unknown[],
  extItems: unknown[] | undefined,
  isArray: boolean,
): void {
  const sliced = slot.base;
  const slicing = sliced.slicing;
  if (!slicing) return;
  const slices = sliced.slices;
  const counts = new Array<number>(slices.length).fill(0);
  let lastSlice = -1;
  let unmatchedSeen = false;
  const count = Math.max(items.length, extItems?.length ?? 0);
  for (let i = 0; i < count; i++) {
    const item = items[i];
    if (isArray) w.path.push(indexSegment(i));
    const match = findSlice(w, item, slot, slices, slicing.discriminators);
    if (match >= 0) {
      counts[match] = (counts[match] ?? 0) + 1;
      if (slicing.ordered && match < lastSlice) {
        w.reportEl(
          sliced,
          'own',
          'error',
          'structure',
          `As specified by profile ${sliced.profile}, Element '${sliced.path}' is out of order: slice '${slices[match]?.sliceName ?? ''}' comes after a later slice`,
        );
      }
      if (slicing.rules === 'openAtEnd' && unmatchedSeen) {
        w.reportEl(
          sliced,
          'own',
          'error',
          'structure',
          `The slicing of ${sliced.path} is open at the end, but a slice item follows an item that matches no slice`,
        );
      }
      lastSlice = Math.max(lastSlice, match);
      const slice = slices[match] as ElementNode;
      const sliceType = slice.types.length === 1 ? slice.types[0] : slot.type;
      w.walkItem(item, extItems?.[i], slice, sliceType);
    } else {
      unmatchedSeen = true;
      if (slicing.rules === 'closed') {
        w.reportEl(
          sliced,
          'own',
          'error',
          'structure',
          `This element does not match any known slice defined in the profile ${sliced.profile} and slicing is CLOSED`,
        );
      }
      w.walkItem(item, extItems?.[i], sliced, slot.type);
    }
    if (isArray) w.path.pop();
  }
  w.path.pop();
  try {
    slices.forEach((s, k) => {
      const n = counts[k] ?? 0;
      if (n < s.min) {
        w.reportEl(
          s,
          'own',
          'error',
          'structure',
          s.min === 1 && n === 0
            ? `Slice '${s.id}': a matching slice is required, but not found (from ${s.profile})`
            : `${s.id}: minimum required = ${s.min}, but only found ${n} (from ${s.profile})`,
        );
      }
      if (n > s.max)
        w.reportEl(
          s,
          'own',
          'error',
          'structure',
          `${s.id}: max allowed = ${s.max}, but found ${n} (from ${s.profile})`,
        );
    });
  } finally {
    w.path.push(slot.segment);
  }
}

function findSlice(
  w: Walker,
  item: unknown,
  slot: ChildSlot,
  slices: readonly ElementNode[],
  discriminators: readonly Discriminator[],
): number {
  for (let k = 0; k < slices.length; k++) {
    const s = slices[k] as ElementNode;
    let r;
    if (
      slot.type?.code === 'Extension' &&
      discriminators.length === 1 &&
      discriminators[0]?.path === 'url' &&
      isRecord(item)
    ) {
      // Extension slices are identified by their url (fixed in the slice or its type profile).
      r = extensionUrlOf(s, w.env) === item.url;
    } else {
      r = matchesSlice(item, slot.type?.code, s, discriminators, w.sliceEnv);
    }
    if (r === true) return k;
    if (r !== false) {
      w.reportEl(s, 'own', 'warning', 'processing', `Slice ${s.id} could not be evaluated: ${r.problem}`);
    }
  }
  return -1;
}
