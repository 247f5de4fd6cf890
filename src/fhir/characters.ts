/**
 * Characters no FHIR string may hold: those below 32 other than tab, line feed and carriage
 * return (https://hl7.org/fhir/R4/datatypes.html#string). PostgreSQL cannot store U+0000 in text
 * or JSONB at all, so a value holding one is refused where it enters, naming where it is.
 */
export const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
