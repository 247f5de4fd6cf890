// Warm handover (R3: youth to adult care at 18; R4: no gap between sender and receiver):
// the joint conversation, the bridging care plan, the sender's episode of care, and the
// message Bundle that carries them with the handover Task and the summary.

Alias: $v3ParticipationType = http://terminology.hl7.org/CodeSystem/v3-ParticipationType
Alias: $msgEvent = https://overdracht.dev/fhir/CodeSystem/message-event

// ---------------------------------------------------------------------------------------------
// Appointment: the joint conversation
// ---------------------------------------------------------------------------------------------

Profile: OvJointConversation
Parent: Appointment
Id: ov-joint-conversation
Title: "overdracht joint conversation (Appointment)"
Description: "The joint conversation of a warm handover: the client, relatives (naasten) if the client wishes, the sending and the receiving practitioner. Participants are told apart by participant.type (v3 ParticipationType): SBJ the client, PART a relative, REF the sending practitioner, REFT the receiving practitioner."
* status MS
* description MS
* start MS
* end MS
* basedOn MS
* basedOn only Reference(OvReferralServiceRequest)
* participant 3..* MS
* participant.type 1..1 MS
* participant.actor 1..1 MS
* participant ^slicing.discriminator.type = #pattern
* participant ^slicing.discriminator.path = "type"
* participant ^slicing.rules = #open
* participant ^slicing.description = "By role in the conversation (participant.type)."
* participant contains client 1..1 MS and relative 0..* MS and sender 1..1 MS and receiver 1..1 MS
* participant[client].type = $v3ParticipationType#SBJ
* participant[client].actor only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-patient)
* participant[relative].type = $v3ParticipationType#PART
* participant[relative].actor only Reference(RelatedPerson)
* participant[sender].type = $v3ParticipationType#REF
* participant[sender].actor only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole)
* participant[receiver].type = $v3ParticipationType#REFT
* participant[receiver].actor only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole)

// ---------------------------------------------------------------------------------------------
// CarePlan: bridging care until the receiver starts
// ---------------------------------------------------------------------------------------------

Invariant: ov-cp-1
Description: "Every activity of a bridging care plan says what is done: detail.code or detail.description."
Severity: #error
Expression: "activity.all(detail.code.exists() or detail.description.exists())"

Profile: OvBridgingCarePlan
Parent: CarePlan
Id: ov-bridging-careplan
Title: "overdracht bridging care plan"
Description: "The bridging care (overbruggingszorg, nazorg/voorzorg) that sender and receiver agreed on until the receiver starts treatment (R4): the period it covers, the activities and who performs them, written by the sender."
* obeys ov-cp-1
* status MS
* intent = #plan (exactly)
* title MS
* description MS
* subject MS
* subject only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-patient)
* period 1..1 MS
* period.start 1..1 MS
* period.end MS
* period ^short = "From the handover until the receiver's treatment starts (end when known)"
* author 1..1 MS
* author only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole or https://overdracht.dev/fhir/StructureDefinition/ov-organization)
* author ^short = "The sender"
* addresses MS
* addresses only Reference(Condition)
* activity 1..* MS
* activity.detail 1..1 MS
* activity.detail.code MS
* activity.detail.status MS
* activity.detail.description MS
* activity.detail.scheduled[x] MS
* activity.detail.performer MS
* activity.detail.performer only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole or https://overdracht.dev/fhir/StructureDefinition/ov-organization or RelatedPerson or https://overdracht.dev/fhir/StructureDefinition/ov-patient)

// ---------------------------------------------------------------------------------------------
// EpisodeOfCare: the sender's episode
// ---------------------------------------------------------------------------------------------

Invariant: ov-eoc-1
Description: "A finished episode of care has an end date."
Severity: #error
Expression: "status = 'finished' implies period.end.exists()"

Profile: OvEpisodeOfCare
Parent: EpisodeOfCare
Id: ov-episodeofcare
Title: "overdracht episode of care"
Description: "The sender's episode of care (zib EpisodeOfCare): who managed it (care manager, managing organisation), when, its status and focus conditions, so that a returning client can go back to the former treater (R5)."
* obeys ov-eoc-1
* identifier MS
* status MS
* type MS
* diagnosis MS
* diagnosis.condition MS
* patient MS
* patient only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-patient)
* managingOrganization 1..1 MS
* managingOrganization only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-organization)
* period 1..1 MS
* period.start 1..1 MS
* period.end MS
* referralRequest MS
* careManager 1..1 MS
* careManager only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-practitioner or https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole)
* team MS

// ---------------------------------------------------------------------------------------------
// The handover message
// ---------------------------------------------------------------------------------------------

Invariant: ov-msg-handover-1
Description: "A handover message is about the event handover (message-event#handover)."
Severity: #error
Expression: "entry.first().resource.event.ofType(Coding).where(system = 'https://overdracht.dev/fhir/CodeSystem/message-event' and code = 'handover').exists()"

Invariant: ov-msg-handover-2
Description: "The MessageHeader of a handover message focuses on the handover Task in the Bundle."
Severity: #error
Expression: "entry.first().resource.focus.reference.all($this in (%resource.entry.where(resource is Task).fullUrl | %resource.entry.where(resource is Task).fullUrl.select(replaceMatches('^.*/([A-Za-z]+/[^/]+)$', '$1'))))"

Invariant: ov-msg-handover-3
Description: "The handover Task lists, as input, the summary (document-type#previous-treatment-summary) and a joint conversation, the bridging care plan, the sender's episode of care and the consent (resource-types#Appointment, #CarePlan, #EpisodeOfCare, #Consent); with ov-bdl-ref-1 each of them is an entry of the Bundle."
Severity: #error
Expression: "entry.resource.ofType(Task).input.type.coding.where(system = 'http://hl7.org/fhir/resource-types').code.supersetOf('Appointment' | 'CarePlan' | 'EpisodeOfCare' | 'Consent') and entry.resource.ofType(Task).input.type.coding.where(system = 'https://overdracht.dev/fhir/CodeSystem/document-type' and code = 'previous-treatment-summary').exists()"

Profile: OvHandoverBundle
Parent: Bundle
Id: ov-handover-bundle
Title: "overdracht handover message"
Description: "A warm handover as a FHIR message (event handover, focus the Task): the handover Task and the ServiceRequest it is about, the previous-treatment summary, the joint conversation(s), the bridging care plan, the sender's episode of care, the client's consent and the Patient, with everything they reference. The Task's inputs point at the summary, the joint conversation, the bridging care plan, the episode of care and the consent (ov-msg-handover-3), and every reference resolves inside the Bundle (ov-bdl-ref-1). CarePlan, EpisodeOfCare and Consent are not sliced by type here, because a summary may also reference a crisis plan, earlier episodes or a legal-status Consent: their profiles come from the Task's input slices."
* obeys ov-msg-handover-1 and ov-msg-handover-2 and ov-msg-handover-3
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
    task 1..1 MS and
    serviceRequest 1..1 MS and
    summary 1..1 MS and
    jointConversation 1..* MS and
    patient 1..1 MS
* entry[messageHeader].resource only OvMessageHeader
* entry[task].resource only OvReferralTask
* entry[serviceRequest].resource only OvReferralServiceRequest
* entry[summary].resource only OvPreviousTreatmentSummary
* entry[jointConversation].resource only OvJointConversation
* entry[patient].resource only https://overdracht.dev/fhir/StructureDefinition/ov-patient
