/**
 * Displays for the engine's `displayOf`, from CodeSystem resources (the terminology service's
 * `getCodeSystem`): a display goes out as the code system defines it, so whatever a sender wrote
 * in Coding.display (a name, a remark) never does.
 *
 * Spec: https://hl7.org/fhir/R4/codesystem-definitions.html#CodeSystem.concept
 */
import { isRecord } from './model.js';

type CodeSystemSource = (url: string) => Readonly<Record<string, unknown>> | undefined;

/** A `displayOf` over code systems; each system is indexed once, on first use. */
export function codeSystemDisplays(
  getCodeSystem: CodeSystemSource,
): (system: string, code: string) => string | undefined {
  const indexes = new Map<string, ReadonlyMap<string, string>>();
  return (system, code) => {
    let index = indexes.get(system);
    if (!index) {
      index = indexConcepts(getCodeSystem(system)?.concept, new Map());
      indexes.set(system, index);
    }
    return index.get(code);
  };
}

/** Concepts nest (`concept.concept`) in hierarchical code systems. */
function indexConcepts(concepts: unknown, into: Map<string, string>): Map<string, string> {
  if (!Array.isArray(concepts)) return into;
  for (const c of concepts) {
    if (!isRecord(c)) continue;
    if (typeof c.code === 'string' && typeof c.display === 'string') into.set(c.code, c.display);
    indexConcepts(c.concept, into);
  }
  return into;
}
