// Invariants of the identity, consent and observation profiles. FHIRPath has no loops, so the
// BSN 11-check is unrolled digit by digit. Each invariant is exercised by an invalid example in
// profiles/invalid/.

// ---------------------------------------------------------------------------------------------
// Dutch identifiers (docs/artefacts.md, "Dutch identifier systems")
// ---------------------------------------------------------------------------------------------

// BSN: 9 digits; sum of digit * weight (9, 8, 7, 6, 5, 4, 3, 2, -1) is divisible by 11 (the
// "elfproef", https://www.rvig.nl/bsn). An absent value is left to the cardinality rule of the
// slice, so a missing value gives one error, not two.
Invariant: ov-bsn-1
Description: "A BSN is 9 digits and passes the 11-check: the sum of digit x weight, weights 9, 8, 7, 6, 5, 4, 3, 2 and -1, is divisible by 11."
Severity: #error
Expression: "value.exists() implies (value.matches('^[0-9]{9}$') and ((value.substring(0, 1).toInteger() * 9 + value.substring(1, 1).toInteger() * 8 + value.substring(2, 1).toInteger() * 7 + value.substring(3, 1).toInteger() * 6 + value.substring(4, 1).toInteger() * 5 + value.substring(5, 1).toInteger() * 4 + value.substring(6, 1).toInteger() * 3 + value.substring(7, 1).toInteger() * 2 - value.substring(8, 1).toInteger()) mod 11 = 0))"

// AGB code (Vektis): 8 digits, the first two the kind of care provider.
Invariant: ov-agb-1
Description: "An AGB code is exactly 8 digits."
Severity: #error
Expression: "value.exists() implies value.matches('^[0-9]{8}$')"

// URA (UZI register number of a care organisation): 8 digits.
Invariant: ov-ura-1
Description: "A URA number is exactly 8 digits."
Severity: #error
Expression: "value.exists() implies value.matches('^[0-9]{8}$')"

// BIG register number: 11 digits.
Invariant: ov-big-1
Description: "A BIG register number is exactly 11 digits."
Severity: #error
Expression: "value.exists() implies value.matches('^[0-9]{11}$')"

// UZI number of a person: digits only (the UZI register does not fix a length).
Invariant: ov-uzi-1
Description: "A UZI person number consists of digits only."
Severity: #error
Expression: "value.exists() implies value.matches('^[0-9]+$')"

// GBA table 33 / CBS municipality code: four digits (CBS writes the same number as GM0014).
Invariant: ov-municipality-1
Description: "A municipality code is the four-digit code of GBA table 33 (the CBS gemeentecode without the GM prefix), e.g. 0014 for Groningen."
Severity: #error
Expression: "value.ofType(Coding).code.exists() implies value.ofType(Coding).code.matches('^[0-9]{4}$')"

// ---------------------------------------------------------------------------------------------
// Consent
// ---------------------------------------------------------------------------------------------

// Passing health data to the social domain needs explicit consent; only a GP's targeted
// referral may rest on implied consent (Wgbo, art. 7:457 BW). Explicit means recorded: the
// signed form or a reference to it (source[x]) or a verification with the client.
Invariant: ov-consent-1
Description: "Sharing with the social domain (sharing-purpose social-domain) is never implied: a permit for it records the explicit consent as sourceAttachment, sourceReference or a verification with verified = true."
Severity: #error
Expression: "(provision.where(type = 'permit').purpose | provision.where(type = 'permit').provision.where(type.empty() or type = 'permit').purpose).where(system = 'https://overdracht.dev/fhir/CodeSystem/sharing-purpose' and code = 'social-domain').exists() implies (source.exists() or verification.where(verified = true).exists())"

// ---------------------------------------------------------------------------------------------
// Observations: score ranges of the instruments
// ---------------------------------------------------------------------------------------------

// PHQ-9: nine items scored 0-3, total 0-27 (Kroenke et al. 2001; LOINC 44261-6).
Invariant: ov-rom-phq9-1
Description: "A PHQ-9 total score (LOINC 44261-6) lies between 0 and 27."
Severity: #error
Expression: "code.coding.where(system = 'http://loinc.org' and code = '44261-6').exists() implies (value.ofType(integer) | value.ofType(Quantity).value).all($this >= 0 and $this <= 27)"

// GAD-7: seven items scored 0-3, total 0-21 (Spitzer et al. 2006; LOINC 70274-6).
Invariant: ov-rom-gad7-1
Description: "A GAD-7 total score (LOINC 70274-6) lies between 0 and 21."
Severity: #error
Expression: "code.coding.where(system = 'http://loinc.org' and code = '70274-6').exists() implies (value.ofType(integer) | value.ofType(Quantity).value).all($this >= 0 and $this <= 21)"

// Positive Health: every dimension is scored on a 0-10 scale (Institute for Positive Health).
Invariant: ov-ph-1
Description: "A Positive Health dimension score lies between 0 and 10."
Severity: #error
Expression: "value.ofType(integer).all($this >= 0 and $this <= 10)"
