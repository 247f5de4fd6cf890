/**
 * What text from outside may hold, where it is read before validation.
 *
 * Characters no FHIR string may hold: those below 32 other than tab, line feed and carriage
 * return (https://hl7.org/fhir/R4/datatypes.html#string). PostgreSQL cannot store U+0000 in text
 * or JSONB at all, so a value holding one is refused where it enters, naming where it is.
 */
export const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/** The FHIR id type (https://hl7.org/fhir/R4/datatypes.html#id), e.g. an id in a URL. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
