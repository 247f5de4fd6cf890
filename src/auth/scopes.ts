/**
 * SMART on FHIR system scopes, v1 (`system/Task.read`, `.write`, `.*`) and v2
 * (`system/Task.rs`, `system/*.cruds`). https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';

export interface Scope {
  resourceType: string; // '*' for any
  interactions: ReadonlySet<Interaction>;
  raw: string;
}

const V1: Record<string, Interaction[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

export function parseScope(raw: string): Scope | undefined {
  const m = /^system\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/.exec(raw);
  if (!m) return undefined;
  const [, resourceType, perms] = m as unknown as [string, string, string];
  const v1 = V1[perms];
  if (v1) return { resourceType, interactions: new Set(v1), raw };
  if (!/^c?r?u?d?s?$/.test(perms) || perms.length === 0) return undefined;
  return { resourceType, interactions: new Set(perms.split('') as Interaction[]), raw };
}

export function parseScopes(text: string): Scope[] {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map(parseScope)
    .filter((s): s is Scope => s !== undefined);
}

export function allows(scopes: readonly Scope[], resourceType: string, interaction: Interaction): boolean {
  return scopes.some(
    (s) => (s.resourceType === '*' || s.resourceType === resourceType) && s.interactions.has(interaction),
  );
}

/**
 * The scopes granted: each requested scope that one of the client's allowed scopes covers
 * (same or wider type, superset of interactions).
 */
export function grant(requested: readonly Scope[], allowed: readonly Scope[]): Scope[] {
  return requested.filter((r) =>
    allowed.some(
      (a) =>
        (a.resourceType === '*' || a.resourceType === r.resourceType) &&
        [...r.interactions].every((i) => a.interactions.has(i)),
    ),
  );
}
