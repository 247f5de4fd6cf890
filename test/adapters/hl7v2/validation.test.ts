import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAdapter } from '../../../src/adapters/framework.js';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import { fixture, setup } from './support.js';

let validator: Validator;
beforeAll(() => {
  validator = createValidator();
});

function errorsOf(bytes: Uint8Array, transform: (b: Bundle) => Bundle = (b) => b): OperationOutcomeIssue[] {
  const { adapter, ctx } = setup();
  const result = runAdapter(adapter, bytes, ctx, {
    validate: (resource, profiles) =>
      validator.validate(resource.resourceType === 'Bundle' ? transform(resource) : resource, { profiles }),
  });
  return (result.records[0]?.report.issue ?? []).filter(
    (i) => i.severity === 'error' || i.severity === 'fatal',
  );
}

/**
 * The validator does not yet accept extensions whose context is a datatype element
 * (HumanName.family, Address.line) where that datatype is used in a resource (Patient.name.family);
 * the FHIR rules allow it. Until it does, Dutch name and address parts are checked without them.
 */
function withoutDatatypeExtensions(bundle: Bundle): Bundle {
  return JSON.parse(
    JSON.stringify(bundle, (key: string, value: unknown) =>
      key === '_family' || key === '_line' ? undefined : value,
    ),
  ) as Bundle;
}

const KNOWN_VALIDATOR_GAP =
  /is not allowed to be used at this point \(allowed = e:(HumanName\.family|Address\.line)|Unable to find a match for profile/;

describe('HL7 v2 referral adapter output against the overdracht profiles', () => {
  it('when the crisis referral is converted, then the Bundle is valid against ov-referral-message', () => {
    expect(errorsOf(fixture('nl-his-referral-p72-crisis.hl7'))).toEqual([]);
  });

  it.each(['nl-his-referral-p76.hl7', 'nl-his-cancel.hl7'])(
    'when %s is converted, then it is valid apart from the Dutch name and address parts',
    (name) => {
      expect(errorsOf(fixture(name), withoutDatatypeExtensions)).toEqual([]);
      expect(errorsOf(fixture(name)).filter((i) => !KNOWN_VALIDATOR_GAP.test(i.diagnostics ?? ''))).toEqual(
        [],
      );
    },
  );
});
