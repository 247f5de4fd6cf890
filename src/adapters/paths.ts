/**
 * Element paths of mapping specs, and writing values at them in FHIR JSON: `birthDate`,
 * `name[]` (append), `reaction[0].severity` (index), `extension[url=http://...].valueString`
 * (find or create the element whose key has that value). The first writer of a single-valued
 * element wins: a second value is refused, so the caller leaves its source unmapped (and
 * reported) instead of overwriting the first without a trace.
 */
export type Json = Record<string, unknown>;

type Step =
  | { name: string; kind: 'plain' }
  | { name: string; kind: 'append' }
  | { name: string; kind: 'index'; index: number }
  | { name: string; kind: 'select'; key: string; value: string };

const cache = new Map<string, Step[]>();

export function parsePath(path: string): Step[] {
  const hit = cache.get(path);
  if (hit) return hit;
  const steps: Step[] = [];
  let i = 0;
  while (i < path.length) {
    let name = '';
    while (i < path.length && path[i] !== '.' && path[i] !== '[') name += path[i++];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Bad element path '${path}'`);
    if (path[i] === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) throw new Error(`Bad element path '${path}'`);
      steps.push(bracket(name, path.slice(i + 1, end), path));
      i = end + 1;
    } else {
      steps.push({ name, kind: 'plain' });
    }
    if (path[i] === '.') i++;
  }
  cache.set(path, steps);
  return steps;
}

function bracket(name: string, inner: string, path: string): Step {
  if (inner === '') return { name, kind: 'append' };
  if (/^\d+$/.test(inner)) return { name, kind: 'index', index: Number(inner) };
  const eq = inner.indexOf('=');
  if (eq > 0) return { name, kind: 'select', key: inner.slice(0, eq), value: inner.slice(eq + 1) };
  throw new Error(`Bad element path '${path}'`);
}

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayAt(obj: Json, name: string): unknown[] {
  const existing = obj[name];
  if (Array.isArray(existing)) return existing;
  const created: unknown[] = [];
  obj[name] = created;
  return created;
}

/** The object a non-final step leads to, created on the way. */
function descend(obj: Json, step: Step): Json {
  if (step.kind === 'plain') {
    const next = obj[step.name];
    if (isJson(next)) return next;
    const created: Json = {};
    obj[step.name] = created;
    return created;
  }
  const arr = arrayAt(obj, step.name);
  if (step.kind === 'append') {
    const created: Json = {};
    arr.push(created);
    return created;
  }
  if (step.kind === 'index') {
    const at = Math.min(step.index, arr.length);
    const existing = arr[at];
    if (isJson(existing)) return existing;
    const created: Json = {};
    arr[at] = created;
    return created;
  }
  const found = arr.find((e) => isJson(e) && e[step.key] === step.value);
  if (isJson(found)) return found;
  const created: Json = { [step.key]: step.value };
  arr.push(created);
  return created;
}

/**
 * Writes value at path; returns the object that received it, or undefined when a single-valued
 * element already had a value (the first writer wins). Objects merge when they share no key.
 */
export function setPath(root: Json, path: string, value: unknown): Json | undefined {
  const steps = parsePath(path);
  const last = steps[steps.length - 1];
  if (!last) return undefined;
  let obj = root;
  for (const step of steps.slice(0, -1)) obj = descend(obj, step);
  switch (last.kind) {
    case 'plain': {
      const existing = obj[last.name];
      if (existing === undefined) obj[last.name] = value;
      else if (!mergeInto(existing, value)) return undefined;
      return obj;
    }
    case 'append':
      arrayAt(obj, last.name).push(value);
      return obj;
    case 'index': {
      const arr = arrayAt(obj, last.name);
      if (last.index > arr.length) return undefined;
      const existing = arr[last.index];
      if (existing === undefined) arr[last.index] = value;
      else if (!mergeInto(existing, value)) return undefined;
      return obj;
    }
    case 'select': {
      const arr = arrayAt(obj, last.name);
      if (arr.some((e) => isJson(e) && e[last.key] === last.value)) return undefined;
      arr.push(isJson(value) ? { [last.key]: last.value, ...value } : { [last.key]: last.value, value });
      return obj;
    }
    default:
      return last satisfies never;
  }
}

/**
 * Parts of one element may come from several fields (a dose's value and its unit), so objects
 * merge when they share no key; anything else already there is kept.
 */
function mergeInto(existing: unknown, value: unknown): boolean {
  if (!isJson(existing) || !isJson(value) || Object.keys(value).some((k) => existing[k] !== undefined))
    return false;
  Object.assign(existing, value);
  return true;
}

/** Whether the path has a value (index steps and plain steps only; append steps mean "any"). */
export function hasPath(root: Json, path: string): boolean {
  let current: unknown[] = [root];
  for (const step of parsePath(path)) {
    const next: unknown[] = [];
    for (const c of current) {
      if (!isJson(c)) continue;
      const v = c[step.name];
      if (v === undefined) continue;
      if (Array.isArray(v)) {
        if (step.kind === 'index') next.push(v[step.index]);
        else if (step.kind === 'select')
          next.push(...v.filter((e) => isJson(e) && e[step.key] === step.value));
        else next.push(...v);
      } else {
        next.push(v);
      }
    }
    current = next.filter((v) => v !== undefined);
  }
  return current.length > 0;
}

/** Every value at path (the reading side of setPath): append steps mean "each", select steps filter. */
export function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const step of parsePath(path)) {
    const next: unknown[] = [];
    for (const c of current) {
      if (!isJson(c)) continue;
      const v = c[step.name];
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) {
        if (step.kind === 'plain') next.push(v);
        else if (step.kind === 'index' && step.index === 0) next.push(v);
        continue;
      }
      if (step.kind === 'index') next.push(v[step.index]);
      else if (step.kind === 'select') next.push(...v.filter((e) => isJson(e) && e[step.key] === step.value));
      else next.push(...v);
    }
    current = next.filter((x) => x !== undefined && x !== null);
  }
  return current;
}
