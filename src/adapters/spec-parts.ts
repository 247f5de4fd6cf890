/**
 * Parts that the declarative mapping specs of several adapters share (hl7v2, and the rules engine
 * of the export and EDIFACT adapters): the record conditions of `when` and the `require`
 * list of a resource rule, as types and as JSON Schema.
 */

/** Holds when the record's field has one of the values, none of them, or any value. */
export interface FieldCondition {
  field: string;
  in?: string[];
  notIn?: string[];
  present?: boolean;
}

/** An element a resource cannot do without, and the message that reports its absence. */
export interface RequiredPath {
  path: string;
  message: string;
}

const strings = { type: 'array', items: { type: 'string' } };

/** The schema of a `when` list; `field` is the schema of a field name in the source format. */
export function conditionsSchema(field: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'array',
    items: {
      type: 'object',
      required: ['field'],
      additionalProperties: false,
      properties: { field, in: strings, notIn: strings, present: { type: 'boolean' } },
    },
  };
}

/** The schema of a `require` list. */
export const requireSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['path', 'message'],
    additionalProperties: false,
    properties: { path: { type: 'string' }, message: { type: 'string' } },
  },
};
