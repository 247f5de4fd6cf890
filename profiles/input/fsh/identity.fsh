// Who is who: the client (Patient), care professionals (Practitioner, PractitionerRole) and
// organisations. Element meanings follow the zibs Patient, ContactPerson, HealthProfessional and
// HealthcareProvider (zib2020); the profiles derive from the base R4 resources, not nl-core, so
// that a receiver needs no Nictiz package to validate.

Alias: $bsn = http://fhir.nl/fhir/NamingSystem/bsn
Alias: $agb = http://fhir.nl/fhir/NamingSystem/agb-z
Alias: $ura = http://fhir.nl/fhir/NamingSystem/ura
Alias: $uzi = http://fhir.nl/fhir/NamingSystem/uzi-nr-pers
Alias: $big = http://fhir.nl/fhir/NamingSystem/big
Alias: $roleCodeNL = urn:oid:2.16.840.1.113883.2.4.15.1060
Alias: $gbaMunicipality = urn:oid:2.16.840.1.113883.2.4.6.14

// Identifier slicing by system, as zib2020 and nl-core do (open: local numbers stay allowed).
RuleSet: IdentifierSlicing
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "By identifier system (the Dutch NamingSystems of docs/artefacts.md); other identifiers are allowed."

RuleSet: IdentifierSlice(slice, system, invariant, short)
* identifier[{slice}] ^short = "{short}"
* identifier[{slice}].system 1..1
* identifier[{slice}].system = "{system}" (exactly)
* identifier[{slice}].value 1..1
* identifier[{slice}] obeys {invariant}

// ---------------------------------------------------------------------------------------------
// Municipality of an address
// ---------------------------------------------------------------------------------------------

Extension: OvMunicipalityCode
Id: ov-municipality-code
Title: "Municipality code"
Description: "The municipality (gemeente) of an address as its code in GBA table 33 (OID 2.16.840.1.113883.2.4.6.14), the same four-digit number CBS publishes as GMxxxx. Address.district keeps the municipality's name, as zib AddressInformation prescribes; the code is what regional indicators and the social domain (the municipality that pays under the Wmo and Jeugdwet) group by, and names are not unique over time (municipal mergers)."
Context: Address
* obeys ov-municipality-1
* value[x] 1..1
* value[x] only Coding
* valueCoding.system 1..1
* valueCoding.system = "urn:oid:2.16.840.1.113883.2.4.6.14" (exactly)
* valueCoding.code 1..1
* valueCoding.display ^short = "Municipality name as in GBA table 33"

// ---------------------------------------------------------------------------------------------
// Patient
// ---------------------------------------------------------------------------------------------

Profile: OvPatient
Parent: Patient
Id: ov-patient
Title: "overdracht Patient"
Description: "The client (zib Patient): BSN when the law allows its use (Wbsn-z), name, gender, date of birth (the 18-year transition from youth to adult care turns on it), address with the municipality code, contact details, the GP, relatives and other contacts (zib ContactPerson, 'naasten') and the languages the client speaks."
* identifier MS
* insert IdentifierSlicing
* identifier contains bsn 0..1 MS
* insert IdentifierSlice(bsn, http://fhir.nl/fhir/NamingSystem/bsn, ov-bsn-1, BSN - Burgerservicenummer; only where the Wbsn-z allows it)
* name MS
* name ^short = "NameInformation: official name (use official), optionally the name the client uses (use usual)"
* name.family MS
* name.given MS
* name.text MS
* telecom MS
* telecom ^short = "ContactInformation: telephone numbers and e-mail addresses"
* gender MS
* birthDate MS
* birthDate ^short = "DateOfBirth; decides the youth-to-adult transition at 18 (Jeugdwet to Zvw)"
* address MS
* address ^short = "AddressInformation; district holds the municipality name, the extension its code"
* address.extension contains OvMunicipalityCode named municipalityCode 0..1 MS
* address.district MS
* address.district ^short = "Municipality (gemeente) name, as in GBA table 33"
* address.postalCode MS
* address.city MS
* address.line MS
* address.country MS
* generalPractitioner MS
* generalPractitioner ^short = "The client's GP: preferably the PractitionerRole (GP at a practice), else the practice or the GP"
* generalPractitioner only Reference(OvPractitionerRole or OvOrganization or OvPractitioner)
* contact MS
* contact ^short = "ContactPerson: relatives (naasten), legal representatives and other contacts"
* contact.relationship MS
* contact.relationship ^short = "Role (e.g. emergency contact, legal representative) and relationship (e.g. mother, partner)"
* contact.name MS
* contact.telecom MS
* contact.address MS
* communication MS
* communication ^short = "LanguageProficiency: languages the client speaks; preferred = the language for conversations"
* communication.language MS
* communication.preferred MS

// ---------------------------------------------------------------------------------------------
// Practitioner, PractitionerRole, Organization
// ---------------------------------------------------------------------------------------------

Profile: OvPractitioner
Parent: Practitioner
Id: ov-practitioner
Title: "overdracht Practitioner"
Description: "A care professional (zib HealthProfessional): identified by UZI, BIG and/or AGB number, with name and contact details. The role at an organisation is OvPractitionerRole."
* identifier MS
* insert IdentifierSlicing
* identifier contains uzi 0..1 MS and big 0..1 MS and agb 0..1 MS
* insert IdentifierSlice(uzi, http://fhir.nl/fhir/NamingSystem/uzi-nr-pers, ov-uzi-1, UZI number of the person)
* insert IdentifierSlice(big, http://fhir.nl/fhir/NamingSystem/big, ov-big-1, BIG register number - 11 digits)
* insert IdentifierSlice(agb, http://fhir.nl/fhir/NamingSystem/agb-z, ov-agb-1, AGB code of the care provider - 8 digits)
* name MS
* name.family MS
* name.given MS
* name.text MS
* telecom MS
* address MS
* gender MS

Profile: OvPractitionerRole
Parent: PractitionerRole
Id: ov-practitionerrole
Title: "overdracht PractitionerRole"
Description: "A care professional at an organisation (zib HealthProfessional with HealthcareProvider): who, where, in what role (code) and specialty. Referrals and handovers name the sender and receiver at this level, because a GP or psychologist may work for several organisations."
* active MS
* practitioner 1..1 MS
* practitioner only Reference(OvPractitioner)
* organization 1..1 MS
* organization only Reference(OvOrganization)
* code MS
* code ^short = "Role, e.g. GP, POH-GGZ (practice nurse for mental health), GZ-psycholoog, regiebehandelaar"
* specialty MS
* specialty ^short = "Specialty (zib HealthProfessional.Specialty, e.g. the AGB specialism)"
* telecom MS

Profile: OvOrganization
Parent: Organization
Id: ov-organization
Title: "overdracht Organization"
Description: "An organisation that refers, receives or helps (zib HealthcareProvider, widened to the social domain): identified by AGB and/or URA where it has them, typed by the overdracht organization-type (always) and by RoleCodeNL (optionally, the Dutch healthcare-provider types: Z3 GP practice, G5 GGZ)."
* identifier 1..* MS
* insert IdentifierSlicing
* identifier contains agb 0..1 MS and ura 0..1 MS
* insert IdentifierSlice(agb, http://fhir.nl/fhir/NamingSystem/agb-z, ov-agb-1, AGB code of the organisation - 8 digits)
* insert IdentifierSlice(ura, http://fhir.nl/fhir/NamingSystem/ura, ov-ura-1, URA number of the organisation - 8 digits)
* active MS
* type 1..* MS
* type ^slicing.discriminator.type = #pattern
* type ^slicing.discriminator.path = "$this"
* type ^slicing.rules = #open
* type ^slicing.description = "By code system: the overdracht organization type (required) and RoleCodeNL (optional)."
* type contains organizationType 1..1 MS and roleCodeNL 0..1 MS
* type[organizationType] ^short = "Kind of organisation in a referral: GP practice, GGZ institution, social-domain organisation, municipality, regional table ..."
* type[organizationType] ^patternCodeableConcept.coding[0].system = "https://overdracht.dev/fhir/CodeSystem/organization-type"
* type[organizationType] from https://overdracht.dev/fhir/ValueSet/organization-type (required)
* type[roleCodeNL] ^short = "RoleCodeNL healthcare-provider type (e.g. Z3 GP practice, G5 GGZ)"
* type[roleCodeNL] ^patternCodeableConcept.coding[0].system = "urn:oid:2.16.840.1.113883.2.4.15.1060"
* name 1..1 MS
* telecom MS
* address MS
* partOf MS
* partOf only Reference(OvOrganization)
