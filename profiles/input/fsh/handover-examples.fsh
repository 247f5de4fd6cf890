// Examples: a warm handover at 18 (R3). A young man treated by a youth mental-health institution
// for anxiety and ADHD turns 18 in September; his treatment continues at an adult institution.
// Joint conversation with him and his mother, bridging care until the adult institution starts.
// All names, numbers and addresses are fictional; the BSN is a test number.

Alias: $sct = http://snomed.info/sct
Alias: $dsm5 = http://hl7.org/fhir/sid/dsm5
Alias: $atc = http://www.whocc.no/atc
Alias: $listEmptyReason = http://terminology.hl7.org/CodeSystem/list-empty-reason
Alias: $conditionClinical = http://terminology.hl7.org/CodeSystem/condition-clinical
Alias: $conditionVerification = http://terminology.hl7.org/CodeSystem/condition-ver-status
Alias: $conditionCategory = http://terminology.hl7.org/CodeSystem/condition-category
Alias: $observationCategory = http://terminology.hl7.org/CodeSystem/observation-category
Alias: $v3RoleCode = http://terminology.hl7.org/CodeSystem/v3-RoleCode
Alias: $v3ParticipationType = http://terminology.hl7.org/CodeSystem/v3-ParticipationType
Alias: $consentScope = http://terminology.hl7.org/CodeSystem/consentscope
Alias: $loinc = http://loinc.org
Alias: $resourceTypes = http://hl7.org/fhir/resource-types
Alias: $docType = https://overdracht.dev/fhir/CodeSystem/document-type
Alias: $msgEvent = https://overdracht.dev/fhir/CodeSystem/message-event
Alias: $referralCategory = https://overdracht.dev/fhir/CodeSystem/referral-category
Alias: $orgType = https://overdracht.dev/fhir/CodeSystem/organization-type
Alias: $taskStatus = https://overdracht.dev/fhir/CodeSystem/task-business-status
Alias: $sharingPurpose = https://overdracht.dev/fhir/CodeSystem/sharing-purpose
Alias: $legalStatus = https://overdracht.dev/fhir/CodeSystem/legal-status
Alias: $romInstrument = https://overdracht.dev/fhir/CodeSystem/rom-instrument
Alias: $zrmDomain = https://overdracht.dev/fhir/CodeSystem/zrm-domain
Alias: $zrmScore = https://overdracht.dev/fhir/CodeSystem/zrm-score

// ---------------------------------------------------------------------------------------------
// People and organisations
// ---------------------------------------------------------------------------------------------

Instance: HoPatient
InstanceOf: ov-patient
Usage: #inline
Title: "Young man turning 18"
* id = "ho-patient"
* identifier[bsn].value = "999999990"
* name[0].use = #official
* name[0].family = "Jansen"
* name[0].given[0] = "Noah"
* name[0].text = "Noah Jansen"
* gender = #male
* birthDate = "2008-09-21"
* address[0].use = #home
* address[0].line[0] = "Kerkstraat 17"
* address[0].postalCode = "9601 EA"
* address[0].city = "Hoogezand"
* address[0].district = "Midden-Groningen"
* address[0].extension[municipalityCode].valueCoding = urn:oid:2.16.840.1.113883.2.4.6.14#1952 "Midden-Groningen"
* address[0].country = "NL"

Instance: HoMother
InstanceOf: RelatedPerson
Usage: #inline
Title: "His mother"
* id = "ho-mother"
* active = true
* patient = Reference(HoPatient)
* relationship[0] = $v3RoleCode#MTH "mother"
* name[0].family = "Jansen"
* name[0].given[0] = "Anouk"
* name[0].text = "Anouk Jansen"
* telecom[0].system = #phone
* telecom[0].value = "06-41234567"

Instance: HoYouthGgz
InstanceOf: ov-organization
Usage: #inline
Title: "The sending youth mental-health institution"
* id = "ho-youth-ggz"
* identifier[agb].value = "22014567"
* active = true
* type[organizationType] = $orgType#youth-ggz-institution
* name = "Jeugd-GGZ Het Kompas"
* address[0].line[0] = "Gorecht-Oost 110"
* address[0].postalCode = "9603 AD"
* address[0].city = "Hoogezand"
* address[0].country = "NL"

Instance: HoSenderPractitioner
InstanceOf: ov-practitioner
Usage: #inline
Title: "The sending practitioner (regiebehandelaar)"
* id = "ho-sender"
* identifier[big].value = "29054321725"
* name[0].use = #official
* name[0].family = "de Boer"
* name[0].given[0] = "Femke"
* name[0].text = "F. de Boer"

Instance: HoSenderRole
InstanceOf: ov-practitionerrole
Usage: #inline
Title: "The sending practitioner at the youth institution"
* id = "ho-sender-role"
* active = true
* practitioner = Reference(HoSenderPractitioner)
* organization = Reference(HoYouthGgz)
* code[0].text = "Regiebehandelaar, GZ-psycholoog"

// ---------------------------------------------------------------------------------------------
// What the summary lists
// ---------------------------------------------------------------------------------------------

Instance: HoConditionAnxiety
InstanceOf: Condition
Usage: #inline
Title: "Generalized anxiety disorder (DSM-5)"
* id = "ho-condition-anxiety"
* clinicalStatus = $conditionClinical#active
* verificationStatus = $conditionVerification#confirmed
* category[0] = $conditionCategory#encounter-diagnosis
* code = $dsm5#F41.1 "Generalized anxiety disorder"
* subject = Reference(HoPatient)
* onsetDateTime = "2023"
* recordedDate = "2024-03-12"
* asserter = Reference(HoSenderRole)

Instance: HoConditionAdhd
InstanceOf: Condition
Usage: #inline
Title: "ADHD, predominantly inattentive (DSM-5)"
* id = "ho-condition-adhd"
* clinicalStatus = $conditionClinical#active
* verificationStatus = $conditionVerification#confirmed
* category[0] = $conditionCategory#encounter-diagnosis
* code = $dsm5#F90.0 "Attention-deficit/hyperactivity disorder, predominantly inattentive presentation"
* subject = Reference(HoPatient)
* onsetDateTime = "2016"
* recordedDate = "2024-03-12"
* asserter = Reference(HoSenderRole)

Instance: HoLegalStatus
InstanceOf: Condition
Usage: #inline
Title: "Legal status: voluntary care"
* id = "ho-legal-status"
* clinicalStatus = $conditionClinical#active
* category[0] = $sct#303186005
* code = $legalStatus#voluntary
* subject = Reference(HoPatient)
* onsetDateTime = "2024-02-01"

Instance: HoMedicationMethylphenidate
InstanceOf: MedicationStatement
Usage: #inline
Title: "Methylphenidate extended release 36 mg"
* id = "ho-medication-methylphenidate"
* status = #active
* medicationCodeableConcept = $atc#N06BA04 "methylphenidate"
* subject = Reference(HoPatient)
* effectivePeriod.start = "2024-05-02"
* dateAsserted = "2026-05-20"
* informationSource = Reference(HoSenderRole)
* reasonReference[0] = Reference(HoConditionAdhd)
* dosage[0].text = "1 maal per dag 36 mg (retard), 's ochtends"

Instance: HoRomHonosca
InstanceOf: ov-rom-observation
Usage: #inline
Title: "HoNOSCA total score 14"
* id = "ho-rom-honosca"
* status = #final
* category[survey] = $observationCategory#survey
* code = $romInstrument#HoNOSCA
* subject = Reference(HoPatient)
* effectiveDateTime = "2026-04-28"
* performer[0] = Reference(HoSenderRole)
* valueQuantity = 14 '{score}' "{score}"

Instance: HoCrisisPlan
InstanceOf: CarePlan
Usage: #inline
Title: "Signalling plan (crisis plan)"
* id = "ho-crisis-plan"
* status = #active
* intent = #plan
* title = "Signaleringsplan"
* subject = Reference(HoPatient)
* period.start = "2025-01-15"
* author = Reference(HoSenderRole)
* description = "Vroege signalen: slecht slapen, terugtrekken op zijn kamer, niet meer naar school. Dan: contact met moeder en behandelaar, dagstructuur oppakken. Bij paniek: ademhalingsoefening, contact opnemen met de crisisdienst."

Instance: HoSocialSituation
InstanceOf: Observation
Usage: #inline
Title: "School and housing"
* id = "ho-social-situation"
* status = #final
* category[0] = $observationCategory#social-history
* code = $loinc#67875-5 "Employment status current"
* subject = Reference(HoPatient)
* effectiveDateTime = "2026-05-20"
* valueString = "Volgt mbo-opleiding (niveau 3, ICT), vaak verzuim door angst. Woont bij moeder; wil op kamers in Groningen. Heeft na 18 jaar geen eigen inkomen behalve studiefinanciering."

Instance: HoZrmHousing
InstanceOf: ov-zrm-observation
Usage: #inline
Title: "ZRM housing: score 3"
* id = "ho-zrm-housing"
* status = #final
* category[survey] = $observationCategory#survey
* code = $zrmDomain#housing
* subject = Reference(HoPatient)
* effectiveDateTime = "2026-05-13"
* performer[0] = Reference(HoSenderRole)
* valueCodeableConcept = $zrmScore#3
* note[0].text = "Woont bij moeder, kan daar blijven tot hij een kamer vindt; staat sinds april ingeschreven bij een studentenhuisvester."

Instance: HoCareTeam
InstanceOf: CareTeam
Usage: #inline
Title: "Care team at the youth institution"
* id = "ho-careteam"
* status = #active
* name = "Behandelteam Het Kompas"
* subject = Reference(HoPatient)
* participant[0].role[0].text = "Regiebehandelaar"
* participant[0].member = Reference(HoSenderRole)
* participant[1].role[0].text = "Moeder"
* participant[1].member = Reference(HoMother)
* managingOrganization[0] = Reference(HoYouthGgz)

Instance: HoConsent
InstanceOf: ov-consent
Usage: #inline
Title: "Consent to the handover"
* id = "ho-consent"
* status = #active
* scope = $consentScope#patient-privacy
* category[0] = $loinc#59284-0 "Patient Consent"
* patient = Reference(HoPatient)
* dateTime = "2026-05-19T15:30:00+02:00"
* organization[0] = Reference(HoYouthGgz)
* policy[0].uri = "https://wetten.overheid.nl/BWBR0005290"
* provision.type = #permit
* provision.period.start = "2026-05-19"
* provision.period.end = "2026-12-31"
* provision.purpose[0] = $sharingPurpose#notified-pull
* provision.actor[0].role = $v3ParticipationType#IRCP "information recipient"
* provision.actor[0].reference = Reference(RefGgzOrganization)

// ---------------------------------------------------------------------------------------------
// The sender's episode, the joint conversation, the bridging care plan
// ---------------------------------------------------------------------------------------------

Instance: OvEpisodeOfCareExample
InstanceOf: OvEpisodeOfCare
Usage: #example
Title: "Treatment episode at the youth institution"
Description: "Active since February 2024; ends when the adult institution takes over."
* id = "ov-episodeofcare-example"
* identifier[0].system = "https://ehr.hetkompas.example/fhir/NamingSystem/zorgtraject"
* identifier[0].value = "ZT-2024-0193"
* status = #active
* diagnosis[0].condition = Reference(HoConditionAnxiety)
* diagnosis[0].rank = 1
* diagnosis[1].condition = Reference(HoConditionAdhd)
* diagnosis[1].rank = 2
* patient = Reference(HoPatient)
* managingOrganization = Reference(HoYouthGgz)
* period.start = "2024-02-01"
* careManager = Reference(HoSenderRole)

Instance: OvJointConversationExample
InstanceOf: OvJointConversation
Usage: #example
Title: "Joint handover conversation"
Description: "The young man, his mother, the sending and the receiving practitioner, before he turns 18."
* id = "ov-joint-conversation-example"
* status = #booked
* description = "Gezamenlijk overdrachtsgesprek jeugd-GGZ en volwassenen-GGZ"
* start = "2026-06-10T14:00:00+02:00"
* end = "2026-06-10T15:00:00+02:00"
* created = "2026-05-20"
* basedOn[0] = Reference(HoServiceRequest)
* participant[client].type = $v3ParticipationType#SBJ "subject"
* participant[client].actor = Reference(HoPatient)
* participant[client].status = #accepted
* participant[relative].type = $v3ParticipationType#PART "Participation"
* participant[relative].actor = Reference(HoMother)
* participant[relative].status = #accepted
* participant[sender].type = $v3ParticipationType#REF "referrer"
* participant[sender].actor = Reference(HoSenderRole)
* participant[sender].status = #accepted
* participant[receiver].type = $v3ParticipationType#REFT "Referred to"
* participant[receiver].actor = Reference(RefGgzRole)
* participant[receiver].status = #accepted

Instance: OvBridgingCarePlanExample
InstanceOf: OvBridgingCarePlan
Usage: #example
Title: "Bridging care until the adult institution starts"
Description: "Fortnightly contact and medication stay with the youth institution until the first treatment session at the adult institution."
* id = "ov-bridging-careplan-example"
* status = #active
* intent = #plan
* title = "Overbruggingszorg tot start behandeling volwassenen-GGZ"
* subject = Reference(HoPatient)
* period.start = "2026-06-10"
* period.end = "2026-10-01"
* author = Reference(HoSenderRole)
* addresses[0] = Reference(HoConditionAnxiety)
* addresses[1] = Reference(HoConditionAdhd)
* activity[0].detail.kind = #Appointment
* activity[0].detail.status = #scheduled
* activity[0].detail.description = "Tweewekelijks contact met de huidige behandelaar tot het eerste behandelgesprek bij GGZ Noorderlicht."
* activity[0].detail.scheduledPeriod.start = "2026-06-10"
* activity[0].detail.scheduledPeriod.end = "2026-10-01"
* activity[0].detail.performer[0] = Reference(HoSenderRole)
* activity[1].detail.status = #in-progress
* activity[1].detail.description = "Voorschrijven van methylfenidaat blijft bij de jeugd-GGZ tot de psychiater van GGZ Noorderlicht het overneemt."
* activity[1].detail.performer[0] = Reference(HoYouthGgz)
* activity[2].detail.status = #not-started
* activity[2].detail.description = "Bij crisis: crisisdienst van GGZ Noorderlicht; het signaleringsplan is gedeeld."
* activity[2].detail.performer[0] = Reference(RefGgzOrganization)

// ---------------------------------------------------------------------------------------------
// The handover request, its Task, the summary and the message
// ---------------------------------------------------------------------------------------------

Instance: HoServiceRequest
InstanceOf: OvReferralServiceRequest
Usage: #inline
Title: "Handover request to adult mental-health care"
* id = "ho-servicerequest"
* extension[clientRequest].valueString = "Ik word in september 18 en wil niet weer mijn hele verhaal vertellen. Ik wil verder met de behandeling voor mijn angst en concentratie, en hulp bij het zoeken naar een kamer in Groningen."
* status = #active
* intent = #order
* category[referralCategory] = $referralCategory#ggz-specialist
* code = $sct#3457005 "Patient referral"
* subject = Reference(HoPatient)
* requester = Reference(HoSenderRole)
* performer[0] = Reference(RefGgzOrganization)
* reasonCode[0] = $dsm5#F41.1 "Generalized anxiety disorder"
* reasonCode[1] = $dsm5#F90.0 "Attention-deficit/hyperactivity disorder, predominantly inattentive presentation"
* reasonReference[0] = Reference(HoConditionAnxiety)
* reasonReference[1] = Reference(HoConditionAdhd)
* priority = #routine
* occurrencePeriod.end = "2026-09-21"
* authoredOn = "2026-05-20T11:00:00+02:00"
* supportingInfo[summary] = Reference(HoSummary)
* supportingInfo[summary].type = "Composition"
* supportingInfo[consent] = Reference(HoConsent)
* supportingInfo[consent].type = "Consent"

Instance: HoTask
InstanceOf: OvReferralTask
Usage: #inline
Title: "Handover Task written by the youth institution"
* id = "ho-task"
* status = #in-progress
* businessStatus = $taskStatus#joint-conversation-planned
* intent = #order
* code = $sct#3457005 "Patient referral"
* focus = Reference(HoServiceRequest)
* for = Reference(HoPatient)
* authoredOn = "2026-05-20T11:05:00+02:00"
* lastModified = "2026-05-27T09:30:00+02:00"
* requester = Reference(HoSenderRole)
* owner = Reference(RefGgzOrganization)
* restriction.period.end = "2026-09-21"
* input[summary].type = $docType#previous-treatment-summary
* input[summary].valueReference = Reference(HoSummary)
* input[jointConversation].type = $resourceTypes#Appointment
* input[jointConversation].valueReference = Reference(OvJointConversationExample)
* input[bridgingCarePlan].type = $resourceTypes#CarePlan
* input[bridgingCarePlan].valueReference = Reference(OvBridgingCarePlanExample)
* input[episodeOfCare].type = $resourceTypes#EpisodeOfCare
* input[episodeOfCare].valueReference = Reference(OvEpisodeOfCareExample)
* input[consent].type = $resourceTypes#Consent
* input[consent].valueReference = Reference(HoConsent)

Instance: HoSummary
InstanceOf: OvPreviousTreatmentSummary
Usage: #inline
Title: "Previous-treatment summary at the handover"
* id = "ho-summary"
* status = #final
* type = $docType#previous-treatment-summary
* subject = Reference(HoPatient)
* date = "2026-05-20T10:45:00+02:00"
* author[0] = Reference(HoSenderRole)
* title = "Samenvatting behandeling jeugd-GGZ"
* custodian = Reference(HoYouthGgz)
* section[diagnosesProblems].title = "Diagnoses en problemen"
* section[diagnosesProblems].text.status = #generated
* section[diagnosesProblems].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul><li>Gegeneraliseerde angststoornis (DSM-5 F41.1)</li><li>ADHD, overwegend onoplettendheid (DSM-5 F90.0)</li></ul></div>"
* section[diagnosesProblems].entry[0] = Reference(HoConditionAnxiety)
* section[diagnosesProblems].entry[1] = Reference(HoConditionAdhd)
* section[treatmentHistory].title = "Eerdere behandeling"
* section[treatmentHistory].text.status = #generated
* section[treatmentHistory].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Sinds februari 2024 in behandeling bij Jeugd-GGZ Het Kompas: cognitieve gedragstherapie (20 sessies), ouderbegeleiding, medicatie voor ADHD.</p></div>"
* section[treatmentHistory].entry[0] = Reference(OvEpisodeOfCareExample)
* section[medication].title = "Medicatie"
* section[medication].text.status = #generated
* section[medication].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Methylfenidaat retard 36 mg, 1 maal per dag, sinds mei 2024.</p></div>"
* section[medication].entry[0] = Reference(HoMedicationMethylphenidate)
* section[outcomeMeasurements].title = "Meetuitkomsten (ROM)"
* section[outcomeMeasurements].text.status = #generated
* section[outcomeMeasurements].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>28 april 2026: HoNOSCA totaal 14 (bij start 23).</p></div>"
* section[outcomeMeasurements].entry[0] = Reference(HoRomHonosca)
* section[risksCrisisPlan].title = "Risico's en crisisplan"
* section[risksCrisisPlan].text.status = #generated
* section[risksCrisisPlan].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Signaleringsplan sinds januari 2025; geen crises in het afgelopen jaar.</p></div>"
* section[risksCrisisPlan].entry[0] = Reference(HoCrisisPlan)
* section[legalStatus].title = "Juridische status"
* section[legalStatus].text.status = #generated
* section[legalStatus].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Vrijwillige zorg.</p></div>"
* section[legalStatus].entry[0] = Reference(HoLegalStatus)
* section[socialSituation].title = "School, wonen en inkomen"
* section[socialSituation].text.status = #generated
* section[socialSituation].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Mbo-opleiding ICT (niveau 3), veel verzuim door angst. Woont bij moeder, wil op kamers (ZRM huisvesting 3). Na 18 jaar alleen studiefinanciering.</p></div>"
* section[socialSituation].entry[0] = Reference(HoSocialSituation)
* section[socialSituation].entry[1] = Reference(HoZrmHousing)
* section[relativesHousehold].title = "Naasten en huishouden"
* section[relativesHousehold].text.status = #generated
* section[relativesHousehold].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Woont bij moeder Anouk Jansen; vader niet in beeld.</p></div>"
* section[relativesHousehold].entry[0] = Reference(HoMother)
* section[careTeam].title = "Zorgteam"
* section[careTeam].text.status = #generated
* section[careTeam].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Regiebehandelaar F. de Boer (GZ-psycholoog), Jeugd-GGZ Het Kompas.</p></div>"
* section[careTeam].entry[0] = Reference(HoCareTeam)
* section[intakeAnswers].title = "Eerder gegeven antwoorden"
* section[intakeAnswers].text.status = #generated
* section[intakeAnswers].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>De intakevragenlijst van 2024 is niet beschikbaar in het huidige dossiersysteem.</p></div>"
* section[intakeAnswers].emptyReason = $listEmptyReason#unavailable "Unavailable"

Instance: HoMessageHeader
InstanceOf: OvMessageHeader
Usage: #inline
Title: "MessageHeader of the handover"
* id = "ho-messageheader"
* eventCoding = $msgEvent#handover
* destination[0].name = "GGZ Noorderlicht"
* destination[0].endpoint = "https://fhir.ggz-noorderlicht.example/fhir"
* destination[0].receiver = Reference(RefGgzOrganization)
* sender = Reference(HoYouthGgz)
* source.name = "EPD Jeugd-GGZ Het Kompas"
* source.endpoint = "https://ehr.hetkompas.example/fhir"
* focus[0] = Reference(HoTask)

RuleSet: HoEntry(instance, type, id)
* entry[+].fullUrl = "https://ehr.hetkompas.example/fhir/{type}/{id}"
* entry[=].resource = {instance}

Instance: OvHandoverBundleExample
InstanceOf: OvHandoverBundle
Usage: #example
Title: "Warm handover at 18, as a message"
Description: "Youth to adult mental-health care: the handover Task and request, the summary, the joint conversation, the bridging care plan, the sender's episode of care, the consent and everything they reference."
* id = "ov-handover-bundle-example"
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:9e4c1a7b-3f2d-4e8a-b6c5-1d0f7a2e8b93"
* type = #message
* timestamp = "2026-05-27T09:30:00+02:00"
* insert HoEntry(HoMessageHeader, MessageHeader, ho-messageheader)
* insert HoEntry(HoTask, Task, ho-task)
* insert HoEntry(HoServiceRequest, ServiceRequest, ho-servicerequest)
* insert HoEntry(HoSummary, Composition, ho-summary)
* insert HoEntry(OvJointConversationExample, Appointment, ov-joint-conversation-example)
* insert HoEntry(OvBridgingCarePlanExample, CarePlan, ov-bridging-careplan-example)
* insert HoEntry(OvEpisodeOfCareExample, EpisodeOfCare, ov-episodeofcare-example)
* insert HoEntry(HoConsent, Consent, ho-consent)
* insert HoEntry(HoPatient, Patient, ho-patient)
* insert HoEntry(HoMother, RelatedPerson, ho-mother)
* insert HoEntry(HoYouthGgz, Organization, ho-youth-ggz)
* insert HoEntry(HoSenderPractitioner, Practitioner, ho-sender)
* insert HoEntry(HoSenderRole, PractitionerRole, ho-sender-role)
* insert HoEntry(RefGgzOrganization, Organization, ref-ggz-org)
* insert HoEntry(RefGgzPractitioner, Practitioner, ref-ggz-practitioner)
* insert HoEntry(RefGgzRole, PractitionerRole, ref-ggz-role)
* insert HoEntry(HoConditionAnxiety, Condition, ho-condition-anxiety)
* insert HoEntry(HoConditionAdhd, Condition, ho-condition-adhd)
* insert HoEntry(HoLegalStatus, Condition, ho-legal-status)
* insert HoEntry(HoMedicationMethylphenidate, MedicationStatement, ho-medication-methylphenidate)
* insert HoEntry(HoRomHonosca, Observation, ho-rom-honosca)
* insert HoEntry(HoCrisisPlan, CarePlan, ho-crisis-plan)
* insert HoEntry(HoSocialSituation, Observation, ho-social-situation)
* insert HoEntry(HoZrmHousing, Observation, ho-zrm-housing)
* insert HoEntry(HoCareTeam, CareTeam, ho-careteam)
