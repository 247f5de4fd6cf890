/** The conformance runner passes a case's validator settings to overdracht as validate options. */
import { describe, expect, it } from 'vitest';
import { optionsOf } from '../../scripts/conformance/validators.js';

describe('conformance settings as validate options', () => {
  it('when a case has no settings, then every option keeps its default', () => {
    expect(optionsOf({ fetcher: 'standalone' })).toEqual({});
  });

  it('when a case sets the Java options, then each maps to its validate option', () => {
    expect(
      optionsOf({
        'security-checks': true,
        noHtmlInMarkdown: true,
        examples: false,
        validateContains: 'IGNORE',
        validateReference: 'CHECK_EXISTS_AND_TYPE',
      }),
    ).toEqual({
      securityChecks: true,
      noHtmlInMarkdown: true,
      allowExampleUrls: false,
      validateContained: false,
      referencesMustResolve: true,
    });
  });

  it('when a case keeps the defaults explicitly, then no option is set', () => {
    expect(
      optionsOf({ examples: true, validateContains: 'CHECK_VALID', validateReference: 'IGNORE' }),
    ).toEqual({});
  });
});
