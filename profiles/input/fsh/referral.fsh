// Referral: the ServiceRequest a referrer sends, the Task the gateway keeps for it, and the
// message Bundle that carries them. Shape after Nictiz ELZ (Task + ServiceRequest + Composition,
// SNOMED 3457005 "patient referral") and HL7 BSeR (MessageHeader + ServiceRequest).

Alias: $sct = http://snomed.info/sct
Alias: $v3ParticipationType = http://terminology.hl7.org/CodeSystem/v3-ParticipationType
Alias: $docType = https://overdracht.dev/fhir/CodeSystem/document-type
Alias: $msgEvent = https://overdracht.dev/fhir/CodeSystem/message-event
Alias: $referralCategory = https://overdracht.dev/fhir/CodeSystem/referral-category
Alias: $resourceTypes = http://hl7.org/fhir/resource-types

// ---------------------------------------------------------------------------------------------
// Invariants shared by the Bundle profiles (message and document)
// ---------------------------------------------------------------------------------------------

Invariant: ov-bdl-ref-1
Description: "Every reference in an entry's resource resolves to an entry of this Bundle: a relative reference Type/id matches a fullUrl that ends with /Type/id, an absolute reference (urn:uuid or URL) matches a fullUrl exactly (a version suffix /_history/n is ignored); references to contained resources (#id) are exempt."
Severity: #error
Expression: "resource.descendants().ofType(Reference).reference.where(startsWith('#').not()).all((%resource.entry.fullUrl | %resource.entry.fullUrl.select(replaceMatches('^.*/([A-Za-z]+/[^/]+)$', '$1'))) contains $this.replaceMatches('/_history/[^/]+$', ''))"

// ---------------------------------------------------------------------------------------------
// Extension: the client's request for help
// ---------------------------------------------------------------------------------------------

Extension: OvClientRequest
Id: ov-client-request
Title: "Client's request for help"
Description: "The client's own request for help (hulpvraag), in the client's own words, as the client or the referrer wrote it down. Kept apart from ServiceRequest.note, which is the referrer's clinical note, so that a receiver can show it verbatim and never has to ask for it again."
Context: ServiceRequest
* value[x] 1..1
* value[x] only string

// ---------------------------------------------------------------------------------------------
// ServiceRequest: the referral
// ---------------------------------------------------------------------------------------------

Profile: OvReferralServiceRequest
Parent: ServiceRequest
Id: ov-referral-servicerequest
Title: "overdracht referral (ServiceRequest)"
Description: "A referral to mental-health care (GGZ) or the social domain. The previous-treatment summary travels with every referral (supportingInfo:summary); the client's request for help in the client's own words is the extension ov-client-request."
* extension contains OvClientRequest named clientRequest 0..1 MS
* extension[clientRequest].url = "https://overdracht.dev/fhir/StructureDefinition/ov-client-request" (exactly)
* identifier MS
* status MS
* intent = #order (exactly)
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category ^slicing.description = "The referral category is the coding from the project's referral-category code system."
* category contains referralCategory 1..1 MS
* category[referralCategory] ^short = "Kind of care referred to (ggz-basic, ggz-specialist, youth-ggz, ...)"
* category[referralCategory] ^patternCodeableConcept.coding[0].system = $referralCategory
* category[referralCategory] from https://overdracht.dev/fhir/ValueSet/referral-category (required)
* code 1..1 MS
* code = $sct#3457005
* subject MS
* subject only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-patient)
* requester 1..1 MS
* requester only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole or https://overdracht.dev/fhir/StructureDefinition/ov-organization)
* performer 1..* MS
* performer only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-organization)
* performer ^short = "The receiving organisation(s); more than one when the referral fans out"
* reasonCode MS
* reasonCode from https://overdracht.dev/fhir/ValueSet/referral-reason (extensible)
* reasonReference MS
* reasonReference only Reference(Condition)
* priority MS
* priority ^short = "Urgency: routine | urgent | asap | stat (crisis)"
* authoredOn 1..1 MS
* note MS
* note ^short = "The referrer's own remarks (the client's request for help goes in extension:clientRequest)"
* supportingInfo 1..* MS
* supportingInfo ^slicing.discriminator.type = #value
* supportingInfo ^slicing.discriminator.path = "type"
* supportingInfo ^slicing.rules = #open
* supportingInfo ^slicing.description = "Recognised by Reference.type, so that a receiver need not resolve the reference to tell the summary from the consent."
* supportingInfo contains summary 1..1 MS and consent 0..1 MS
* supportingInfo[summary] only Reference(OvPreviousTreatmentSummary)
* supportingInfo[summary] ^short = "The previous-treatment summary (Composition)"
* supportingInfo[summary].type 1..1
* supportingInfo[summary].type = "Composition" (exactly)
* supportingInfo[consent] only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-consent)
* supportingInfo[consent] ^short = "The client's consent for sharing, when the referral rests on more than implied consent"
* supportingInfo[consent].type 1..1
* supportingInfo[consent].type = "Consent" (exactly)

// ---------------------------------------------------------------------------------------------
// Task: the state of one referral at one receiver
// ---------------------------------------------------------------------------------------------

Invariant: ov-task-1
Description: "A rejected Task says why (statusReason)."
Severity: #error
Expression: "status = 'rejected' implies statusReason.exists()"

Profile: OvReferralTask
Parent: Task
Id: ov-referral-task
Title: "overdracht referral Task"
Description: "The workflow state of a referral at one receiving organisation. For a referral the gateway creates the Task (the sender only sends the ServiceRequest); for a warm handover the sending institution writes it (eOverdracht-style notified pull: the receiver fetches the Task and follows its input references). A referral that fans out to several destinations has one Task per destination, tied together by partOf and groupIdentifier."
* obeys ov-task-1
* identifier MS
* groupIdentifier MS
* groupIdentifier ^short = "Shared by all Tasks of one referral that fans out"
* partOf MS
* partOf only Reference(OvReferralTask)
* partOf ^short = "The Task this one was split from (fan-out)"
* status MS
* statusReason MS
* businessStatus MS
* businessStatus from https://overdracht.dev/fhir/ValueSet/task-business-status (required)
* intent = #order (exactly)
* priority MS
* code 1..1 MS
* code = $sct#3457005
* focus 1..1 MS
* focus only Reference(OvReferralServiceRequest)
* for 1..1 MS
* for only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-patient)
* authoredOn 1..1 MS
* lastModified 1..1 MS
* requester 1..1 MS
* requester only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole or https://overdracht.dev/fhir/StructureDefinition/ov-organization)
* owner 1..1 MS
* owner only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-organization or https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole)
* owner ^short = "The receiving organisation (or practitioner) that must act"
* restriction MS
* restriction ^short = "Deadline (period.end, e.g. the Treeknorm for intake) and who may act (recipient)"
* input MS
* input ^slicing.discriminator.type = #pattern
* input ^slicing.discriminator.path = "type"
* input ^slicing.rules = #open
* input ^slicing.description = "The summary by its document type; the parts of a warm handover by their resource type (resource-types: Appointment is the joint conversation, CarePlan the bridging care plan, EpisodeOfCare the sender's episode, Consent the client's consent)."
* input contains
    summary 0..1 MS and
    jointConversation 0..* MS and
    bridgingCarePlan 0..1 MS and
    episodeOfCare 0..1 MS and
    consent 0..1 MS
* input[summary].type = $docType#previous-treatment-summary
* input[summary].value[x] only Reference(OvPreviousTreatmentSummary)
* input[jointConversation].type = $resourceTypes#Appointment
* input[jointConversation].value[x] only Reference(OvJointConversation)
* input[bridgingCarePlan].type = $resourceTypes#CarePlan
* input[bridgingCarePlan].value[x] only Reference(OvBridgingCarePlan)
* input[episodeOfCare].type = $resourceTypes#EpisodeOfCare
* input[episodeOfCare].value[x] only Reference(OvEpisodeOfCare)
* input[consent].type = $resourceTypes#Consent
* input[consent].value[x] only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-consent)
* output MS
* output ^slicing.discriminator.type = #pattern
* output ^slicing.discriminator.path = "type"
* output ^slicing.rules = #open
* output contains feedback 0..* MS
* output[feedback].type = $docType#feedback-report
* output[feedback].value[x] only Reference(OvFeedback)

// ---------------------------------------------------------------------------------------------
// MessageHeader and the referral message
// ---------------------------------------------------------------------------------------------

Profile: OvMessageHeader
Parent: MessageHeader
Id: ov-messageheader
Title: "overdracht MessageHeader"
Description: "The header of every overdracht message: the event from message-event, the sender, at least one destination with its receiving organisation, and the focus (the ServiceRequest of a referral, the Task of a handover)."
* event[x] only Coding
* event[x] MS
* eventCoding from https://overdracht.dev/fhir/ValueSet/message-event (required)
* destination 1..* MS
* destination.endpoint MS
* destination.receiver 1..1 MS
* destination.receiver only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-organization or https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole)
* sender 1..1 MS
* sender only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-organization or https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole)
* source MS
* source.endpoint MS
* focus 1..* MS
* focus.reference 1..1

Invariant: ov-msg-referral-1
Description: "A referral message is about the event referral (message-event#referral)."
Severity: #error
Expression: "entry.first().resource.event.ofType(Coding).where(system = 'https://overdracht.dev/fhir/CodeSystem/message-event' and code = 'referral').exists()"

Invariant: ov-msg-referral-2
Description: "The MessageHeader of a referral message focuses on the ServiceRequest in the Bundle."
Severity: #error
Expression: "entry.first().resource.focus.reference.all($this in (%resource.entry.where(resource is ServiceRequest).fullUrl | %resource.entry.where(resource is ServiceRequest).fullUrl.select(replaceMatches('^.*/([A-Za-z]+/[^/]+)$', '$1'))))"

Profile: OvReferralMessage
Parent: Bundle
Id: ov-referral-message
Title: "overdracht referral message"
Description: "A referral as a FHIR message: the MessageHeader (event referral, focus the ServiceRequest) first, then the ServiceRequest, the previous-treatment summary Composition (the only Composition of the message), the Patient and everything they reference, the consent included when the ServiceRequest points to one. Every reference resolves inside the Bundle (ov-bdl-ref-1)."
* obeys ov-msg-referral-1 and ov-msg-referral-2
* identifier MS
* type = #message (exactly)
* timestamp 1..1 MS
* entry obeys ov-bdl-ref-1
* entry.fullUrl 1..1 MS
* entry.resource 1..1 MS
* entry ^slicing.discriminator.type = #type
* entry ^slicing.discriminator.path = "resource"
* entry ^slicing.rules = #open
* entry ^slicing.description = "By resource type. bdl-12 puts the MessageHeader first."
* entry contains
    messageHeader 1..1 MS and
    serviceRequest 1..1 MS and
    summary 1..1 MS and
    patient 1..1 MS
* entry[messageHeader].resource only OvMessageHeader
* entry[serviceRequest].resource only OvReferralServiceRequest
* entry[summary].resource only OvPreviousTreatmentSummary
* entry[patient].resource only https://overdracht.dev/fhir/StructureDefinition/ov-patient
