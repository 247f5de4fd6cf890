/**
 * The Practitioner of an XCN and the Organization of an XON: resources of their own in the
 * output, which the converted field refers to (the engine keeps one of each, however often the
 * message names it).
 */
import type { Json } from '../../paths.js';
import type { Cursor } from '../cursor.js';
import type { SourceRule } from '../spec.js';
import type { ConvertEnv } from './env.js';
import { identifier } from './identifiers.js';
import { humanName } from './names.js';

export function practitioner(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const resource: Json = { resourceType: 'Practitioner' };
  const id = identifier(cur, rule, env);
  if (id) resource.identifier = [id];
  const name = humanName(cur, { ...rule, use: undefined }, env);
  if (name) resource.name = [name];
  if (!id && !name) return undefined;
  return env.embed('Practitioner', resource, cur);
}

export function organization(cur: Cursor, rule: SourceRule, env: ConvertEnv): Json | undefined {
  const resource: Json = { resourceType: 'Organization' };
  const name = cur.get(1);
  if (name) resource.name = name;
  const id = identifier(cur, rule, env);
  if (id) resource.identifier = [id];
  if (!name && !id) return undefined;
  return env.embed('Organization', resource, cur);
}
