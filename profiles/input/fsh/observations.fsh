// Measurements that travel with a referral so that nobody asks the same question twice (R2):
// routine outcome monitoring (ROM) scores, the self-sufficiency matrix (ZRM) and Positive Health
// (R10). All are surveys (observation-category survey), as nl-core's scored instruments are.

Alias: $observationCategoryCs = http://terminology.hl7.org/CodeSystem/observation-category

// Category slicing as in the R4 vital-signs profile: the survey category must be there, others
// may be added.
RuleSet: SurveyCategory
* category 1..* MS
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category ^slicing.description = "The survey category is required; other categories are allowed."
* category contains survey 1..1 MS
* category[survey] = $observationCategoryCs#survey

// What every scored observation of overdracht has: a final state, the client, when, and who.
RuleSet: ScoredObservation
* status MS
* insert SurveyCategory
* code MS
* subject 1..1 MS
* subject only Reference(OvPatient)
* effective[x] 1..1 MS
* effective[x] only dateTime or Period
* effective[x] ^short = "When the instrument was filled in or scored"
* performer 1..* MS
* performer only Reference(OvPractitionerRole or OvPractitioner or OvOrganization or OvPatient or RelatedPerson)
* performer ^short = "Who scored it: the professional or organisation, or the client for a self-report"
* derivedFrom MS
* derivedFrom ^short = "The QuestionnaireResponse the score was computed from, if sent along"

Profile: OvRomObservation
Parent: Observation
Id: ov-rom-observation
Title: "overdracht ROM observation"
Description: "A routine outcome monitoring score (ROM): the total score of an instrument from rom-instrument (PHQ-9, GAD-7 by LOINC; OQ-45, SQ-48, HoNOS, HoNOSCA and the Positive Health and ZRM totals by the project code system) as an integer or a Quantity, with subscale scores as components where the instrument has them (OQ-45: symptom distress, interpersonal relations, social role; SQ-48: nine subscales; HoNOS: twelve items). Totals outside the instrument's range are errors (PHQ-9 0-27, GAD-7 0-21)."
* obeys ov-rom-phq9-1 and ov-rom-gad7-1
* insert ScoredObservation
* code from https://overdracht.dev/fhir/ValueSet/rom-instrument (required)
* code ^short = "The instrument's total score: LOINC 44261-6 (PHQ-9), 70274-6 (GAD-7) or a rom-instrument code"
* value[x] MS
* value[x] only integer or Quantity
* value[x] ^short = "Total score (integer, or Quantity with UCUM unit {score})"
* dataAbsentReason MS
* interpretation MS
* interpretation ^short = "Severity band of the score where the instrument defines one"
* component MS
* component ^short = "Subscale or item scores"
* component.code MS
* component.code ^short = "The subscale or item (LOINC where it has a code, else text)"
* component.value[x] MS
* component.value[x] only integer or Quantity

Profile: OvZrmObservation
Parent: Observation
Id: ov-zrm-observation
Title: "overdracht ZRM observation"
Description: "One domain of the self-sufficiency matrix (Zelfredzaamheid-Matrix, ZRM): the domain (zrm-domain) and its score from 1 (acute problems) to 5 (fully self-sufficient) (zrm-score). The social domain and mental-health care share it to see all life domains at once (R3, R10)."
* insert ScoredObservation
* code from https://overdracht.dev/fhir/ValueSet/zrm-domain (required)
* code ^short = "The ZRM domain scored"
* value[x] 1..1 MS
* value[x] only CodeableConcept
* valueCodeableConcept from https://overdracht.dev/fhir/ValueSet/zrm-score (required)
* value[x] ^short = "Score 1 (acute problems) to 5 (fully self-sufficient)"
* note MS
* note ^short = "Explanation of the score in the professional's words"

Profile: OvPositiveHealthObservation
Parent: Observation
Id: ov-positive-health-observation
Title: "overdracht Positive Health observation"
Description: "One dimension of Positive Health (Huber), scored by the client from 0 to 10 at first contact (R10): bodily functions, mental well-being, meaningfulness, quality of life, participation, daily functioning (positive-health-dimension)."
* obeys ov-ph-1
* insert ScoredObservation
* code from https://overdracht.dev/fhir/ValueSet/positive-health-dimension (required)
* code ^short = "The Positive Health dimension scored"
* value[x] 1..1 MS
* value[x] only integer
* value[x] ^short = "Score 0-10 as given by the client"
* note MS
