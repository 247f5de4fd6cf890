// Examples of the consent profile: Sanne agrees, in a conversation with her GP, that her
// situation is shared with the municipality's social team (explicit consent, verified).

Alias: $sharingPurposeCs = https://overdracht.dev/fhir/CodeSystem/sharing-purpose
Alias: $loincCs = http://loinc.org
Alias: $v3ParticipationTypeCs = http://terminology.hl7.org/CodeSystem/v3-ParticipationType

Instance: ov-consent-example
InstanceOf: OvConsent
Usage: #example
Title: "Explicit consent to share with the social team"
Description: "Permit for one year to share with the municipality's social team; explicit consent given in the GP's consulting room and verified with the client."
* status = #active
* scope = $consentScopeCs#patient-privacy
* category[0] = $loincCs#59284-0 "Patient Consent"
* patient = Reference(ov-patient-example)
* dateTime = "2026-05-12T10:20:00+02:00"
* performer[0] = Reference(ov-patient-example)
* organization[0] = Reference(ov-organization-example)
* policy[0].uri = "https://wetten.overheid.nl/BWBR0005290"
* verification[0].verified = true
* verification[0].verifiedWith = Reference(ov-patient-example)
* verification[0].verificationDate = "2026-05-12T10:20:00+02:00"
* provision.type = #permit
* provision.period.start = "2026-05-12"
* provision.period.end = "2027-05-12"
* provision.actor[0].role = $v3ParticipationTypeCs#IRCP "information recipient"
* provision.actor[0].reference = Reference(ov-organization-social-example)
* provision.purpose[0] = $sharingPurposeCs#social-domain "Sharing with the social domain"

Instance: ov-consent-deny-example
InstanceOf: OvConsent
Usage: #example
Title: "Refusal of regional monitoring"
Description: "The client refuses that her data are used for regional monitoring; a refusal needs no recorded source."
* status = #active
* scope = $consentScopeCs#patient-privacy
* category[0] = $loincCs#59284-0 "Patient Consent"
* patient = Reference(ov-patient-example)
* dateTime = "2026-05-12T10:25:00+02:00"
* performer[0] = Reference(ov-patient-example)
* organization[0] = Reference(ov-organization-example)
* policy[0].uri = "https://wetten.overheid.nl/BWBR0005290"
* provision.type = #deny
* provision.actor[0].role = $v3ParticipationTypeCs#IRCP "information recipient"
* provision.actor[0].reference = Reference(ov-organization-social-example)
* provision.purpose[0] = $sharingPurposeCs#regional-monitoring "Regional monitoring"
