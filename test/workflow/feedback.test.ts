import type { Composition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/fhir/codes.js';
import {
  BASED_ON_EXTENSION,
  feedbackComposition,
  feedbackProblem,
  linkedToTask,
} from '../../src/workflow/feedback.js';
import { referralTask, T0 } from './support.js';

const custodian = { reference: 'Organization/ggz' };

describe('feedbackComposition', () => {
  it('when a referral is rejected, then the report is based on referral and Task, about its client, with outcome and advice', () => {
    const task = referralTask('rejected');
    const doc = feedbackComposition(
      task,
      'referral-rejected',
      { outcome: 'Niet aangenomen', advice: 'Verwijs naar de basis-GGZ' },
      { id: 'fb-1', now: T0, custodian },
    );
    expect(doc).toMatchObject({
      resourceType: 'Composition',
      id: 'fb-1',
      meta: { profile: [PROFILES.feedback] },
      status: 'final',
      subject: { reference: 'Patient/p-1' },
      custodian,
      author: [custodian],
      date: T0.toISOString(),
    });
    expect(doc.extension).toEqual([
      { url: BASED_ON_EXTENSION, valueReference: { reference: 'ServiceRequest/sr-1' } },
      { url: BASED_ON_EXTENSION, valueReference: { reference: 'Task/task-1' } },
    ]);
    expect(doc.category?.[0]?.coding?.[0]?.code).toBe('referral-rejected');
    expect(doc.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual(['outcome', 'advice-to-referrer']);
  });

  it('when the text holds markup, then the narrative escapes it', () => {
    const doc = feedbackComposition(
      referralTask('completed'),
      'treatment-completed',
      { outcome: 'a < b & "c"' },
      { id: 'fb-2', now: T0, custodian },
    );
    expect(doc.section?.[0]?.text?.div).toBe(
      '<div xmlns="http://www.w3.org/1999/xhtml"><p>a &lt; b &amp; &quot;c&quot;</p></div>',
    );
    expect(doc.section).toHaveLength(1);
  });
});

describe('feedbackProblem and linkedToTask', () => {
  const task = referralTask('in-progress');
  const own = (): Composition =>
    feedbackComposition(
      task,
      'treatment-completed',
      { outcome: 'Afgerond' },
      { id: 'x', now: T0, custodian },
    );

  it('when the owner wrote the report for this client and change, then there is no problem', () => {
    expect(feedbackProblem(own(), task, 'treatment-completed', 'feedback')).toBeUndefined();
  });

  it('when the report is about another client, then the path names its subject', () => {
    const doc = { ...own(), subject: { reference: 'Patient/other' } };
    expect(feedbackProblem(doc, task, 'treatment-completed', 'feedback')?.issue?.[0]?.expression).toEqual([
      'feedback.subject',
    ]);
  });

  it('when the report is of another kind, then the path names its category', () => {
    expect(feedbackProblem(own(), task, 'referral-rejected', 'feedback')?.issue?.[0]?.expression).toEqual([
      'feedback.category',
    ]);
  });

  it('when a report does not name the Task, then linkedToTask adds it once', () => {
    const doc = { ...own(), extension: [] };
    const linked = linkedToTask(doc, task);
    expect(linked.extension?.map((e) => e.valueReference?.reference)).toEqual([
      'ServiceRequest/sr-1',
      'Task/task-1',
    ]);
    expect(linkedToTask(linked, task).extension).toHaveLength(2);
  });
});
