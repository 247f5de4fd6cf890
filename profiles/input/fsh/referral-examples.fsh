// Examples: a GP in Groningen refers a client to basic mental-health care (GGZ). The client had
// six sessions with the practice's mental-health nurse (POH-GGZ) and takes sertraline; the
// previous-treatment summary travels along. All names, numbers and addresses are fictional;
// the BSN is a test number that passes the 11-check.

Alias: $sct = http://snomed.info/sct
Alias: $loinc = http://loinc.org
Alias: $icpc = http://hl7.org/fhir/sid/icpc-1-nl
Alias: $atc = http://www.whocc.no/atc
Alias: $ucum = http://unitsofmeasure.org
Alias: $listEmptyReason = http://terminology.hl7.org/CodeSystem/list-empty-reason
Alias: $conditionClinical = http://terminology.hl7.org/CodeSystem/condition-clinical
Alias: $conditionVerification = http://terminology.hl7.org/CodeSystem/condition-ver-status
Alias: $conditionCategory = http://terminology.hl7.org/CodeSystem/condition-category
Alias: $observationCategory = http://terminology.hl7.org/CodeSystem/observation-category
Alias: $riskProbability = http://terminology.hl7.org/CodeSystem/risk-probability
Alias: $v3RoleCode = http://terminology.hl7.org/CodeSystem/v3-RoleCode
Alias: $consentScope = http://terminology.hl7.org/CodeSystem/consentscope
Alias: $docType = https://overdracht.dev/fhir/CodeSystem/document-type
Alias: $msgEvent = https://overdracht.dev/fhir/CodeSystem/message-event
Alias: $referralCategory = https://overdracht.dev/fhir/CodeSystem/referral-category
Alias: $orgType = https://overdracht.dev/fhir/CodeSystem/organization-type
Alias: $taskStatus = https://overdracht.dev/fhir/CodeSystem/task-business-status
Alias: $sharingPurpose = https://overdracht.dev/fhir/CodeSystem/sharing-purpose

// ---------------------------------------------------------------------------------------------
// People and organisations (inline: they live inside the Bundles)
// ---------------------------------------------------------------------------------------------

Instance: RefPatient
InstanceOf: ov-patient
Usage: #inline
Title: "Client of the GP referral"
* id = "ref-patient"
* identifier[bsn].value = "999911120"
* name[0].use = #official
* name[0].family = "Bakker"
* name[0].given[0] = "Lotte"
* name[0].text = "Lotte Bakker"
* gender = #female
* birthDate = "2001-03-14"
* address[0].use = #home
* address[0].line[0] = "Oosterstraat 112a"
* address[0].postalCode = "9711 NV"
* address[0].city = "Groningen"
* address[0].district = "Groningen"
* address[0].extension[municipalityCode].valueCoding = urn:oid:2.16.840.1.113883.2.4.6.14#0014 "Groningen"
* address[0].country = "NL"
* generalPractitioner[0] = Reference(RefGpRole)

Instance: RefGpPractitioner
InstanceOf: ov-practitioner
Usage: #inline
Title: "The referring GP"
* id = "ref-gp"
* identifier[agb].value = "01004567"
* name[0].use = #official
* name[0].family = "Hoekstra"
* name[0].given[0] = "Maarten"
* name[0].prefix[0] = "dr."
* name[0].text = "dr. M. Hoekstra"

Instance: RefGpPractice
InstanceOf: ov-organization
Usage: #inline
Title: "The referring GP practice"
* id = "ref-gp-practice"
* identifier[agb].value = "01051234"
* active = true
* type[organizationType] = $orgType#gp-practice
* name = "Huisartsenpraktijk Oosterpoort"
* telecom[0].system = #phone
* telecom[0].value = "050-3121234"
* address[0].line[0] = "Oosterweg 21"
* address[0].postalCode = "9724 CB"
* address[0].city = "Groningen"
* address[0].country = "NL"

Instance: RefGpRole
InstanceOf: ov-practitionerrole
Usage: #inline
Title: "The referring GP at the practice"
* id = "ref-gp-role"
* active = true
* practitioner = Reference(RefGpPractitioner)
* organization = Reference(RefGpPractice)
* code[0] = $sct#62247001 "General practitioner"

Instance: RefGgzOrganization
InstanceOf: ov-organization
Usage: #inline
Title: "The receiving mental-health institution"
* id = "ref-ggz-org"
* identifier[agb].value = "22010345"
* active = true
* type[organizationType] = $orgType#ggz-institution
* name = "GGZ Noorderlicht"
* address[0].line[0] = "Heresingel 80"
* address[0].postalCode = "9711 ES"
* address[0].city = "Groningen"
* address[0].country = "NL"

Instance: RefGgzPractitioner
InstanceOf: ov-practitioner
Usage: #inline
Title: "Psychologist at the receiving institution"
* id = "ref-ggz-practitioner"
* identifier[big].value = "39012345625"
* name[0].use = #official
* name[0].family = "Wolters"
* name[0].given[0] = "Ingrid"
* name[0].text = "I. Wolters"

Instance: RefGgzRole
InstanceOf: ov-practitionerrole
Usage: #inline
Title: "Psychologist at the receiving institution (role)"
* id = "ref-ggz-role"
* active = true
* practitioner = Reference(RefGgzPractitioner)
* organization = Reference(RefGgzOrganization)
* code[0].text = "GZ-psycholoog"

Instance: RefPartner
InstanceOf: RelatedPerson
Usage: #inline
Title: "The client's partner"
* id = "ref-partner"
* active = true
* patient = Reference(RefPatient)
* relationship[0] = $v3RoleCode#DOMPART "domestic partner"
* name[0].family = "Mulder"
* name[0].given[0] = "Daan"
* name[0].text = "Daan Mulder"

// ---------------------------------------------------------------------------------------------
// What the summary lists
// ---------------------------------------------------------------------------------------------

Instance: RefConditionDepression
InstanceOf: Condition
Usage: #inline
Title: "Depression (ICPC P76)"
* id = "ref-condition-depression"
* clinicalStatus = $conditionClinical#active
* verificationStatus = $conditionVerification#confirmed
* category[0] = $conditionCategory#problem-list-item
* code = $icpc#P76 "Depressie/depressieve stoornis"
* subject = Reference(RefPatient)
* onsetDateTime = "2025-11"
* recordedDate = "2026-01-06"
* asserter = Reference(RefGpRole)

Instance: RefConditionAnxiety
InstanceOf: Condition
Usage: #inline
Title: "Anxiety (ICPC P74)"
* id = "ref-condition-anxiety"
* clinicalStatus = $conditionClinical#active
* verificationStatus = $conditionVerification#confirmed
* category[0] = $conditionCategory#problem-list-item
* code = $icpc#P74 "Angststoornis/angsttoestand"
* subject = Reference(RefPatient)
* onsetDateTime = "2026-02"
* recordedDate = "2026-03-03"
* asserter = Reference(RefGpRole)

Instance: RefProcedurePoh
InstanceOf: Procedure
Usage: #inline
Title: "Six sessions with the practice's mental-health nurse"
* id = "ref-procedure-poh"
* status = #completed
* code.text = "Begeleiding door POH-GGZ (6 consulten, psycho-educatie en activering)"
* subject = Reference(RefPatient)
* performedPeriod.start = "2026-01-08"
* performedPeriod.end = "2026-04-16"
* performer[0].actor = Reference(RefGpPractice)
* reasonReference[0] = Reference(RefConditionDepression)
* outcome.text = "Eerst enige verbetering, sinds april weer toename van somberheid en paniekklachten."

Instance: RefMedicationSertraline
InstanceOf: MedicationStatement
Usage: #inline
Title: "Sertraline 50 mg once daily"
* id = "ref-medication-sertraline"
* status = #active
* medicationCodeableConcept = $atc#N06AB06 "sertraline"
* subject = Reference(RefPatient)
* effectivePeriod.start = "2026-02-10"
* dateAsserted = "2026-05-12"
* informationSource = Reference(RefGpRole)
* reasonReference[0] = Reference(RefConditionDepression)
* dosage[0].text = "1 maal per dag 50 mg"

Instance: RefRomPhq9
InstanceOf: ov-rom-observation
Usage: #inline
Title: "PHQ-9 total score 16"
* id = "ref-rom-phq9"
* status = #final
* category[survey] = $observationCategory#survey
* code = $loinc#44261-6 "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"
* subject = Reference(RefPatient)
* effectiveDateTime = "2026-05-06"
* performer[0] = Reference(RefGpRole)
* valueQuantity = 16 '{score}' "{score}"

Instance: RefRomGad7
InstanceOf: ov-rom-observation
Usage: #inline
Title: "GAD-7 total score 13"
* id = "ref-rom-gad7"
* status = #final
* category[survey] = $observationCategory#survey
* code = $loinc#70274-6 "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"
* subject = Reference(RefPatient)
* effectiveDateTime = "2026-05-06"
* performer[0] = Reference(RefGpRole)
* valueQuantity = 13 '{score}' "{score}"

Instance: RefRiskSuicide
InstanceOf: RiskAssessment
Usage: #inline
Title: "Suicide risk assessed as low"
* id = "ref-risk-suicide"
* status = #final
* subject = Reference(RefPatient)
* occurrenceDateTime = "2026-05-06"
* performer = Reference(RefGpRole)
* prediction[0].outcome.text = "Suïcide"
* prediction[0].qualitativeRisk = $riskProbability#low "Low likelihood"
* mitigation = "Geen actuele suïcidale gedachten of plannen. Beschermende factoren: partner, werk, contact met familie. Afgesproken dat zij bij toename direct de praktijk belt (buiten kantoortijd de huisartsenpost)."

Instance: RefObservationWork
InstanceOf: Observation
Usage: #inline
Title: "Work situation"
* id = "ref-observation-work"
* status = #final
* category[0] = $observationCategory#social-history
* code = $loinc#67875-5 "Employment status current"
* subject = Reference(RefPatient)
* effectiveDateTime = "2026-05-06"
* valueString = "Administratief medewerker bij een woningcorporatie, 32 uur per week; sinds maart 2026 ziekgemeld. Woont samen met partner in een huurwoning; geen schulden bekend."

Instance: RefCareTeam
InstanceOf: CareTeam
Usage: #inline
Title: "Care team at the GP practice"
* id = "ref-careteam"
* status = #active
* name = "Huisartsenzorg Oosterpoort"
* subject = Reference(RefPatient)
* participant[0].role[0].text = "Huisarts"
* participant[0].member = Reference(RefGpRole)
* participant[1].role[0].text = "Praktijkondersteuner GGZ"
* participant[1].member = Reference(RefGpPractice)
* managingOrganization[0] = Reference(RefGpPractice)

Instance: RefConsent
InstanceOf: ov-consent
Usage: #inline
Title: "Implied consent for the referral (Wgbo)"
* id = "ref-consent"
* status = #active
* scope = $consentScope#patient-privacy
* category[0] = $loinc#59284-0 "Patient Consent"
* patient = Reference(RefPatient)
* dateTime = "2026-05-12T10:05:00+02:00"
* organization[0] = Reference(RefGpPractice)
* policy[0].uri = "https://wetten.overheid.nl/BWBR0005290"
* provision.type = #permit
* provision.purpose[0] = $sharingPurpose#treatment-referral
* provision.actor[0].role = http://terminology.hl7.org/CodeSystem/v3-ParticipationType#IRCP "information recipient"
* provision.actor[0].reference = Reference(RefGgzOrganization)

// ---------------------------------------------------------------------------------------------
// The previous-treatment summary
// ---------------------------------------------------------------------------------------------

Instance: OvPreviousTreatmentSummaryExample
InstanceOf: OvPreviousTreatmentSummary
Usage: #example
Title: "Previous-treatment summary of a GP referral"
Description: "Every section filled or empty with a reason: nothing known of a legal measure, no intake questionnaires filled in yet."
* id = "ov-previous-treatment-summary-example"
* status = #final
* type = $docType#previous-treatment-summary
* subject = Reference(RefPatient)
* date = "2026-05-12T10:10:00+02:00"
* author[0] = Reference(RefGpRole)
* title = "Samenvatting eerdere behandeling"
* custodian = Reference(RefGpPractice)
* section[diagnosesProblems].title = "Diagnoses en problemen"
* section[diagnosesProblems].text.status = #generated
* section[diagnosesProblems].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul><li>P76 Depressie, sinds november 2025</li><li>P74 Angststoornis (paniekklachten), sinds februari 2026</li></ul></div>"
* section[diagnosesProblems].entry[0] = Reference(RefConditionDepression)
* section[diagnosesProblems].entry[1] = Reference(RefConditionAnxiety)
* section[treatmentHistory].title = "Eerdere behandeling"
* section[treatmentHistory].text.status = #generated
* section[treatmentHistory].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Januari tot april 2026: zes consulten bij de POH-GGZ (psycho-educatie, activering). Eerst enige verbetering, sinds april weer toename van klachten.</p></div>"
* section[treatmentHistory].entry[0] = Reference(RefProcedurePoh)
* section[medication].title = "Medicatie"
* section[medication].text.status = #generated
* section[medication].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Sertraline 50 mg, 1 maal per dag, sinds 10 februari 2026.</p></div>"
* section[medication].entry[0] = Reference(RefMedicationSertraline)
* section[outcomeMeasurements].title = "Meetuitkomsten (ROM)"
* section[outcomeMeasurements].text.status = #generated
* section[outcomeMeasurements].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>6 mei 2026: PHQ-9 16 (matig ernstig), GAD-7 13 (matig).</p></div>"
* section[outcomeMeasurements].entry[0] = Reference(RefRomPhq9)
* section[outcomeMeasurements].entry[1] = Reference(RefRomGad7)
* section[risksCrisisPlan].title = "Risico's en crisisplan"
* section[risksCrisisPlan].text.status = #generated
* section[risksCrisisPlan].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Suïciderisico laag ingeschat (6 mei 2026); geen crisisplan nodig geacht.</p></div>"
* section[risksCrisisPlan].entry[0] = Reference(RefRiskSuicide)
* section[legalStatus].title = "Juridische status"
* section[legalStatus].text.status = #generated
* section[legalStatus].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Geen juridische maatregel bekend.</p></div>"
* section[legalStatus].emptyReason = $listEmptyReason#nilknown "Nil Known"
* section[socialSituation].title = "Wonen, werk en inkomen"
* section[socialSituation].text.status = #generated
* section[socialSituation].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Woont samen met partner; werkt 32 uur als administratief medewerker, sinds maart 2026 ziekgemeld. Geen schulden bekend.</p></div>"
* section[socialSituation].entry[0] = Reference(RefObservationWork)
* section[relativesHousehold].title = "Naasten en huishouden"
* section[relativesHousehold].text.status = #generated
* section[relativesHousehold].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Partner: Daan Mulder. Geen kinderen.</p></div>"
* section[relativesHousehold].entry[0] = Reference(RefPartner)
* section[careTeam].title = "Zorgteam"
* section[careTeam].text.status = #generated
* section[careTeam].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Huisarts dr. M. Hoekstra en de POH-GGZ van Huisartsenpraktijk Oosterpoort.</p></div>"
* section[careTeam].entry[0] = Reference(RefCareTeam)
* section[intakeAnswers].title = "Eerder gegeven antwoorden"
* section[intakeAnswers].text.status = #generated
* section[intakeAnswers].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Geen intakevragenlijsten ingevuld.</p></div>"
* section[intakeAnswers].emptyReason = $listEmptyReason#nilknown "Nil Known"

// ---------------------------------------------------------------------------------------------
// The referral
// ---------------------------------------------------------------------------------------------

Instance: OvReferralServiceRequestExample
InstanceOf: OvReferralServiceRequest
Usage: #example
Title: "GP referral to basic mental-health care"
Description: "Depression and panic complaints after six sessions with the practice's mental-health nurse; the client's request for help in her own words."
* id = "ov-referral-servicerequest-example"
* extension[clientRequest].valueString = "Ik slaap slecht, pieker de hele dag en durf sinds maart niet meer naar mijn werk. De gesprekken met de POH hielpen eerst, maar nu gaat het weer slechter. Ik wil leren hoe ik met de somberheid en de paniekaanvallen om kan gaan, zodat ik weer kan werken en leuke dingen kan doen met Daan."
* identifier[0].system = "https://his.oosterpoort.example/fhir/NamingSystem/verwijzing"
* identifier[0].value = "VW-2026-00417"
* status = #active
* intent = #order
* category[referralCategory] = $referralCategory#ggz-basic
* code = $sct#3457005 "Patient referral"
* subject = Reference(RefPatient)
* requester = Reference(RefGpRole)
* performer[0] = Reference(RefGgzOrganization)
* reasonCode[0] = $icpc#P76 "Depressie/depressieve stoornis"
* reasonCode[1] = $icpc#P74 "Angststoornis/angsttoestand"
* reasonReference[0] = Reference(RefConditionDepression)
* reasonReference[1] = Reference(RefConditionAnxiety)
* priority = #routine
* authoredOn = "2026-05-12T10:15:00+02:00"
* note[0].text = "Graag beoordeling en behandeling in de generalistische basis-GGZ. POH-GGZ-traject afgerond zonder blijvend effect; sertraline sinds februari, dosis niet verhoogd."
* supportingInfo[summary] = Reference(OvPreviousTreatmentSummaryExample)
* supportingInfo[summary].type = "Composition"
* supportingInfo[consent] = Reference(RefConsent)
* supportingInfo[consent].type = "Consent"

Instance: OvReferralTaskExample
InstanceOf: OvReferralTask
Usage: #example
Title: "The gateway's Task for the GP referral"
Description: "Created by the gateway on receipt; the receiving institution owns it. The deadline is the Treeknorm for registration to intake (4 weeks)."
* id = "ov-referral-task-example"
* identifier[0].system = "https://gateway.overdracht.example/fhir/message-id"
* identifier[0].value = "http://fhir.nl/fhir/NamingSystem/agb-z|01051234|ov-messageheader-example"
* status = #requested
* businessStatus = $taskStatus#received
* intent = #order
* code = $sct#3457005 "Patient referral"
* focus = Reference(OvReferralServiceRequestExample)
* for = Reference(RefPatient)
* authoredOn = "2026-05-12T10:20:04+02:00"
* lastModified = "2026-05-12T10:20:04+02:00"
* requester = Reference(RefGpRole)
* owner = Reference(RefGgzOrganization)
* restriction.period.end = "2026-06-09"
* input[summary].type = $docType#previous-treatment-summary
* input[summary].valueReference = Reference(OvPreviousTreatmentSummaryExample)

// ---------------------------------------------------------------------------------------------
// The referral message and the summary document
// ---------------------------------------------------------------------------------------------

Instance: OvMessageHeaderExample
InstanceOf: OvMessageHeader
Usage: #example
Title: "MessageHeader of the GP referral"
* id = "ov-messageheader-example"
* eventCoding = $msgEvent#referral
* destination[0].name = "GGZ Noorderlicht"
* destination[0].endpoint = "https://fhir.ggz-noorderlicht.example/fhir"
* destination[0].receiver = Reference(RefGgzOrganization)
* sender = Reference(RefGpPractice)
* source.name = "HIS Huisartsenpraktijk Oosterpoort"
* source.endpoint = "https://his.oosterpoort.example/fhir"
* focus[0] = Reference(OvReferralServiceRequestExample)

RuleSet: RefEntry(instance, type, id)
* entry[+].fullUrl = "https://his.oosterpoort.example/fhir/{type}/{id}"
* entry[=].resource = {instance}

Instance: OvReferralMessageExample
InstanceOf: OvReferralMessage
Usage: #example
Title: "GP referral to basic mental-health care, as a message"
Description: "A complete GP referral: MessageHeader, ServiceRequest, the previous-treatment summary with every section filled or empty with a reason, the client, the GP and the practice, the receiving institution, conditions, medication, ROM scores, risk assessment, partner, care team and the consent."
* id = "ov-referral-message-example"
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:5b0e7a3c-8d1f-4c52-9a7e-2f6d4b1c9e01"
* type = #message
* timestamp = "2026-05-12T10:20:00+02:00"
* insert RefEntry(OvMessageHeaderExample, MessageHeader, ov-messageheader-example)
* insert RefEntry(OvReferralServiceRequestExample, ServiceRequest, ov-referral-servicerequest-example)
* insert RefEntry(OvPreviousTreatmentSummaryExample, Composition, ov-previous-treatment-summary-example)
* insert RefEntry(RefPatient, Patient, ref-patient)
* insert RefEntry(RefGpPractitioner, Practitioner, ref-gp)
* insert RefEntry(RefGpRole, PractitionerRole, ref-gp-role)
* insert RefEntry(RefGpPractice, Organization, ref-gp-practice)
* insert RefEntry(RefGgzOrganization, Organization, ref-ggz-org)
* insert RefEntry(RefConsent, Consent, ref-consent)
* insert RefEntry(RefConditionDepression, Condition, ref-condition-depression)
* insert RefEntry(RefConditionAnxiety, Condition, ref-condition-anxiety)
* insert RefEntry(RefProcedurePoh, Procedure, ref-procedure-poh)
* insert RefEntry(RefMedicationSertraline, MedicationStatement, ref-medication-sertraline)
* insert RefEntry(RefRomPhq9, Observation, ref-rom-phq9)
* insert RefEntry(RefRomGad7, Observation, ref-rom-gad7)
* insert RefEntry(RefRiskSuicide, RiskAssessment, ref-risk-suicide)
* insert RefEntry(RefObservationWork, Observation, ref-observation-work)
* insert RefEntry(RefPartner, RelatedPerson, ref-partner)
* insert RefEntry(RefCareTeam, CareTeam, ref-careteam)

Instance: OvPreviousTreatmentSummaryDocumentExample
InstanceOf: OvPreviousTreatmentSummaryDocument
Usage: #example
Title: "The GP's previous-treatment summary as a document"
Description: "The same summary on its own, as a FHIR document (Composition first)."
* id = "ov-previous-treatment-summary-document-example"
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:0c7d2e91-4b6a-4f3e-8a15-7e9b3d2c6f48"
* type = #document
* timestamp = "2026-05-12T10:10:00+02:00"
* insert RefEntry(OvPreviousTreatmentSummaryExample, Composition, ov-previous-treatment-summary-example)
* insert RefEntry(RefPatient, Patient, ref-patient)
* insert RefEntry(RefGpPractitioner, Practitioner, ref-gp)
* insert RefEntry(RefGpRole, PractitionerRole, ref-gp-role)
* insert RefEntry(RefGpPractice, Organization, ref-gp-practice)
* insert RefEntry(RefConditionDepression, Condition, ref-condition-depression)
* insert RefEntry(RefConditionAnxiety, Condition, ref-condition-anxiety)
* insert RefEntry(RefProcedurePoh, Procedure, ref-procedure-poh)
* insert RefEntry(RefMedicationSertraline, MedicationStatement, ref-medication-sertraline)
* insert RefEntry(RefRomPhq9, Observation, ref-rom-phq9)
* insert RefEntry(RefRomGad7, Observation, ref-rom-gad7)
* insert RefEntry(RefRiskSuicide, RiskAssessment, ref-risk-suicide)
* insert RefEntry(RefObservationWork, Observation, ref-observation-work)
* insert RefEntry(RefPartner, RelatedPerson, ref-partner)
* insert RefEntry(RefCareTeam, CareTeam, ref-careteam)
