/** What the adapter tests share: one adapter and context per test file, and reading the output. */
import type { Bundle, OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { ConversionContext } from '../../src/adapters/framework.js';
import { createConversionContext } from '../../src/adapters/index.js';
import { createTerminologyService } from '../../src/terminology/service.js';

/**
 * The setup of a test file: the adapter and a conversion context with the terminology service
 * and the channel, made on first use and then kept, as loading them costs a few hundred ms.
 */
export function adapterSetup<A>(
  create: () => A,
  channel?: Readonly<Record<string, string>>,
): () => { adapter: A; ctx: ConversionContext } {
  let cached: { adapter: A; ctx: ConversionContext } | undefined;
  return () => {
    cached ??= {
      adapter: create(),
      ctx: createConversionContext({ channel, terminology: createTerminologyService() }),
    };
    return cached;
  };
}

export function resources<T extends Resource['resourceType']>(
  bundle: Bundle,
  type: T,
): Extract<Resource, { resourceType: T }>[] {
  return (bundle.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Extract<Resource, { resourceType: T }> => r?.resourceType === type);
}

/** The issues (of a list, or of an OperationOutcome) whose location names `location`. */
export function issuesAt(
  issues: OperationOutcome | readonly OperationOutcomeIssue[] | undefined,
  location: string,
): OperationOutcomeIssue[] {
  const list = issues === undefined ? [] : 'resourceType' in issues ? (issues.issue ?? []) : issues;
  return list.filter((i) => (i.location ?? []).includes(location));
}
