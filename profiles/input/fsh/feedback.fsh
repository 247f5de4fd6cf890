// Feedback to the referrer (terugrapportage, R6): one form for mental-health care and the social
// domain. The link to the referral is the extension ov-based-on, because Composition.relatesTo
// can only point to another Composition (or an identifier) in R4.

Alias: $docType = https://overdracht.dev/fhir/CodeSystem/document-type
Alias: $feedbackSection = https://overdracht.dev/fhir/CodeSystem/feedback-section

Extension: OvBasedOn
Id: ov-based-on
Title: "Based on (the referral answered)"
Description: "The referral (ServiceRequest) or the referral's Task that this document answers. R4 Composition has no basedOn; relatesTo can only target another Composition."
Context: Composition
* value[x] 1..1
* value[x] only Reference(ServiceRequest or Task)

Invariant: ov-feedback-1
Description: "Feedback on a rejected referral advises the referrer (section advice-to-referrer)."
Severity: #error
Expression: "category.coding.where(system = 'https://overdracht.dev/fhir/CodeSystem/feedback-type' and code = 'referral-rejected').exists() implies section.code.coding.where(system = 'https://overdracht.dev/fhir/CodeSystem/feedback-section' and code = 'advice-to-referrer').exists()"

RuleSet: FeedbackSection(slice, code, short)
* section[{slice}] ^short = "{short}"
* section[{slice}].code = $feedbackSection#{code}

Profile: OvFeedback
Parent: Composition
Id: ov-feedback
Title: "overdracht feedback to the referrer"
Description: "The uniform report back (terugrapportage) to the GP or other referrer, from mental-health care and from the social domain alike: what kind of report (feedback-type), the outcome, and where relevant diagnoses, treatment, advice to the referrer and follow-up. It names the referral it answers with extension:basedOn."
* obeys ov-feedback-1
* extension contains OvBasedOn named basedOn 1..* MS
* extension[basedOn] ^short = "The ServiceRequest or Task this feedback answers"
* extension[basedOn].url = "https://overdracht.dev/fhir/StructureDefinition/ov-based-on" (exactly)
* status MS
* type MS
* type = $docType#feedback-report
* category 1..1 MS
* category from https://overdracht.dev/fhir/ValueSet/feedback-type (required)
* category ^short = "Kind of feedback: intake-held, treatment-started, treatment-completed, referral-rejected, referred-on, interim"
* subject 1..1 MS
* subject only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-patient)
* date MS
* author MS
* author only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole or https://overdracht.dev/fhir/StructureDefinition/ov-practitioner or https://overdracht.dev/fhir/StructureDefinition/ov-organization)
* title MS
* custodian 1..1 MS
* custodian only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-organization)
* section 1..* MS
* section.code 1..1 MS
* section.title MS
* section.text 1..1 MS
* section.entry MS
* section ^slicing.discriminator.type = #pattern
* section ^slicing.discriminator.path = "code"
* section ^slicing.rules = #closed
* section ^slicing.description = "One section per code of feedback-section; only the outcome is always there."
* section contains
    outcome 1..1 MS and
    diagnoses 0..1 MS and
    treatment 0..1 MS and
    adviceToReferrer 0..1 MS and
    followUp 0..1 MS
* insert FeedbackSection(outcome, outcome, Outcome - what was decided or done)
* insert FeedbackSection(diagnoses, diagnoses, Diagnoses - GGZ only)
* section[diagnoses].entry only Reference(Condition)
* insert FeedbackSection(treatment, treatment, Treatment or help given or planned)
* section[treatment].entry only Reference(CarePlan or Procedure or EpisodeOfCare or ServiceRequest)
* insert FeedbackSection(adviceToReferrer, advice-to-referrer, Advice to the referrer)
* insert FeedbackSection(followUp, follow-up, Follow-up - who does what next)
