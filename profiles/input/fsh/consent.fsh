// The client's consent for sharing data (privacy consent). A GP's targeted referral rests on
// implied consent (Wgbo); making data available for others to pull and passing health data to
// the social domain need explicit consent, and the social-domain case is enforced by ov-consent-1.
// Spec: https://hl7.org/fhir/R4/consent.html (scope patient-privacy).

Alias: $consentScopeCs = http://terminology.hl7.org/CodeSystem/consentscope

Profile: OvConsent
Parent: Consent
Id: ov-consent
Title: "overdracht Consent"
Description: "The client's consent (or refusal) to share data for a purpose of sharing-purpose (treatment-referral, social-domain, notified-pull, regional-monitoring) with named recipient organisations, for a period. Sharing with the social domain is never implied: it carries the signed form (sourceAttachment), a reference to it (sourceReference) or a verification with the client (ov-consent-1)."
* obeys ov-consent-1
* status MS
* scope MS
* scope = $consentScopeCs#patient-privacy
* category MS
* category ^short = "Kind of consent, e.g. LOINC 59284-0 Patient Consent"
* patient 1..1 MS
* patient only Reference(OvPatient)
* dateTime 1..1 MS
* dateTime ^short = "When the consent was given or recorded"
* performer MS
* performer ^short = "Who gave the consent: the client, or a representative (parent, guardian) for a minor or incapacitated client"
* performer only Reference(OvPatient or RelatedPerson or OvPractitioner or OvPractitionerRole or OvOrganization)
* organization 1..* MS
* organization ^short = "The organisation that recorded the consent and answers for it"
* organization only Reference(OvOrganization)
* source[x] MS
* source[x] ^short = "The explicit consent itself: the signed form (attachment) or a reference to it"
* policy MS
* policy ^short = "The law or regulation the consent rests on, e.g. https://wetten.overheid.nl/BWBR0005290 (Wgbo)"
* policyRule MS
* verification MS
* verification ^short = "Explicit consent verified with the client (or their representative)"
* provision 1..1 MS
* provision.type 1..1 MS
* provision.type ^short = "permit (consent given) or deny (refused)"
* provision.period MS
* provision.period ^short = "How long the consent holds"
* provision.actor 1..* MS
* provision.actor ^short = "The recipient organisation(s) or professional(s) the data may go to"
* provision.actor.role MS
* provision.actor.role ^short = "Usually v3-ParticipationType IRCP (information recipient)"
* provision.actor.reference MS
* provision.actor.reference only Reference(OvOrganization or OvPractitionerRole)
* provision.purpose 1..* MS
* provision.purpose from https://overdracht.dev/fhir/ValueSet/sharing-purpose (required)
* provision.purpose ^short = "Why data may be shared: treatment-referral, social-domain, notified-pull, regional-monitoring"
* provision.class MS
* provision.class ^short = "Data classes covered (resource types or profiles); none means everything the purpose needs"
* provision.data MS
