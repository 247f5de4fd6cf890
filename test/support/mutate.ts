/**
 * Seeded random damage to JSON, for tests that must hold for input nobody wrote by hand: values
 * replaced by other JSON types or hostile strings, properties and items removed, copied or moved,
 * strings cut. The same seed gives the same damage, so a failure can be replayed.
 */

/** A small linear congruential generator: enough to pick, and reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 0x1_0000_0000;
  };
}

type Key = string | number;
type Json = unknown;

export const HOSTILE_VALUES: readonly Json[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  true,
  '',
  ' ',
  '\u0000',
  '\ud800',
  'é€𝄞',
  '2024-13-45',
  '2024-02-29T25:00:00Z',
  '123456782',
  [],
  {},
  [null],
  [{}],
  { resourceType: 'Patient' },
  'Patient/',
  '#',
  'urn:uuid:',
  'urn:uuid:00000000-0000-0000-0000-000000000000',
  'http://example.org/fhir/Patient/1',
  'a'.repeat(5000),
  { reference: 'Patient/x' },
  { reference: '#nothing' },
  [1, 2, 3],
];

function paths(node: Json, at: Key[] = [], out: Key[][] = []): Key[][] {
  out.push(at);
  if (Array.isArray(node)) node.forEach((v, i) => paths(v, [...at, i], out));
  else if (node !== null && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) paths(v, [...at, k], out);
  return out;
}

function at(root: Json, path: readonly Key[]): Json {
  let node = root;
  for (const k of path) node = (node as Record<Key, Json> | null)?.[k];
  return node;
}

/** Applies 1 to 3 random changes to `root` (in place) and returns it. */
export function mutate<T>(root: T, random: () => number): T {
  const pick = <V>(list: readonly V[]): V => list[Math.floor(random() * list.length)] as V;
  const all = paths(root).filter((p) => p.length > 0);
  const changes = 1 + Math.floor(random() * 3);
  for (let n = 0; n < changes; n++) {
    const path = pick(all);
    const parent = at(root, path.slice(0, -1)) as Record<Key, Json> | Json[] | null;
    if (parent === null || typeof parent !== 'object') continue;
    const key = path[path.length - 1] as Key;
    const record = parent as Record<Key, Json>;
    const op = random();
    if (op < 0.25) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete record[key];
    } else if (op < 0.6) record[key] = structuredClone(pick(HOSTILE_VALUES));
    else if (op < 0.7 && Array.isArray(parent)) parent.push(structuredClone(parent[Number(key)]));
    else if (op < 0.8) record[key] = structuredClone(at(root, pick(all)));
    else if (op < 0.9 && typeof record[key] === 'string') {
      const s = record[key];
      record[key] = s.slice(0, Math.floor(random() * s.length)) + pick(['', '/', '|', '#', 'x', '"']);
    } else if (!Array.isArray(parent)) {
      const name = pick([
        'extra',
        'modifierExtension',
        'extension',
        `_${String(key)}`,
        'contained',
        'id',
        'meta',
      ]);
      record[name] = structuredClone(pick(HOSTILE_VALUES));
    }
  }
  return root;
}
