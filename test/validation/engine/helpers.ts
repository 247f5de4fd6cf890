import type { OperationOutcome } from '@medplum/fhirtypes';

export interface Found {
  severity: string;
  path: string;
  message: string;
}

export function issues(o: OperationOutcome, severities: readonly string[] = ['error', 'fatal']): Found[] {
  return (o.issue ?? [])
    .filter((i) => severities.includes(i.severity ?? ''))
    .map((i) => ({
      severity: i.severity ?? '',
      path: i.expression?.[0] ?? '',
      message: i.diagnostics ?? '',
    }));
}

export function errorPaths(o: OperationOutcome): string[] {
  return issues(o).map((e) => e.path);
}

/** A deep copy to break one field of. */
export function copy<T>(v: T): T {
  return structuredClone(v);
}
