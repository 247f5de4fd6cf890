// Indicators for regional data platforms (R11): one Measure per indicator, reported per
// municipality (CBS code, MeasureReport.subject.identifier) and month (MeasureReport.period) by
// the gateway's monthly indicators job (src/indicators). Cells with fewer than 10 distinct
// clients are suppressed: the count or score is left out and carries data-absent-reason "masked".

Alias: $measurePopulation = http://terminology.hl7.org/CodeSystem/measure-population
Alias: $measureScoring = http://terminology.hl7.org/CodeSystem/measure-scoring
Alias: $measureType = http://terminology.hl7.org/CodeSystem/measure-type
Alias: $measureImprovement = http://terminology.hl7.org/CodeSystem/measure-improvement-notation
Alias: $measureGroup = https://overdracht.dev/fhir/CodeSystem/measure-group
Alias: $measureStratifier = https://overdracht.dev/fhir/CodeSystem/measure-stratifier

// ---------------------------------------------------------------------------------------------
// The codes of the groups and stratifiers
// ---------------------------------------------------------------------------------------------

// Both code systems are terminology (terminology/codesystems/CodeSystem-measure-*.json).

// ---------------------------------------------------------------------------------------------
// Rule sets
// ---------------------------------------------------------------------------------------------

RuleSet: MeasureMeta(id, name, title)
* url = "https://overdracht.dev/fhir/Measure/{id}"
* version = "0.1.0"
* name = "{name}"
* title = "{title}"
* status = #active
* experimental = false
* publisher = "overdracht"
* jurisdiction = urn:iso:std:iso:3166#NL "Netherlands"
* type = $measureType#process
* subjectCodeableConcept = http://hl7.org/fhir/resource-types#Patient
* rateAggregation = "Per CBS municipality code (the referral's or the client's address, extension ov-municipality-code; 'unknown' when none) and calendar month (Europe/Amsterdam). Cells with fewer than 10 distinct clients are suppressed."

RuleSet: Population(code, description)
* population[+].code = $measurePopulation#{code}
* population[=].description = "{description}"
* population[=].criteria.language = #text/plain
* population[=].criteria.expression = "{description}"

// ---------------------------------------------------------------------------------------------
// The Measures
// ---------------------------------------------------------------------------------------------

Instance: ov-referrals
InstanceOf: Measure
Usage: #definition
Title: "Referrals"
Description: "Referrals and handovers registered per municipality and month, by the type of the referring organisation and by destination."
* insert MeasureMeta(ov-referrals, OvReferrals, Referrals)
* description = "Referrals and handovers (Tasks with code SNOMED 3457005) registered per municipality and month (Task.authoredOn), by the type of the referring organisation and by destination (R11)."
* scoring = $measureScoring#cohort
* group[+].code = $measureGroup#referrals
* group[=].description = "Referrals registered in the month"
* group[=] insert Population(initial-population, Referral and handover Tasks registered in the month)
* group[=].stratifier[+].code = $measureStratifier#referrer-type
* group[=].stratifier[=].description = "The organization-type of Task.requester"
* group[=].stratifier[=].criteria.language = #text/plain
* group[=].stratifier[=].criteria.expression = "Organization.type (organization-type) of Task.requester"
* group[=].stratifier[+].code = $measureStratifier#destination
* group[=].stratifier[=].description = "ggz, exploratory-conversation, social-domain or other, from the ServiceRequest's referral category"
* group[=].stratifier[=].criteria.language = #text/plain
* group[=].stratifier[=].criteria.expression = "ServiceRequest.category (referral-category) of Task.focus"

Instance: ov-waiting-times
InstanceOf: Measure
Usage: #definition
Title: "Waiting times against the Treeknormen"
Description: "The share of referrals with the intake within 4 weeks and treatment within 10 weeks of the intake (Treeknormen GGZ), and the median days to intake, per municipality and month of registration."
* insert MeasureMeta(ov-waiting-times, OvWaitingTimes, Waiting times against the Treeknormen)
* description = "Per municipality and month of registration: the share of referrals whose intake was within 28 days and whose treatment started within 70 days of the intake (Treeknormen GGZ), and the median days to intake (R8). A client still waiting beyond a norm counts as exceeded. The group days-to-intake is a continuous variable: its score is the median."
* scoring = $measureScoring#proportion
* improvementNotation = $measureImprovement#increase
* group[+].code = $measureGroup#intake-within-4-weeks
* group[=] insert Population(denominator, Referrals registered in the month whose intake wait is decided: intake held or beyond 28 days)
* group[=] insert Population(numerator, Of those the intake within 28 days of registration)
* group[+].code = $measureGroup#treatment-within-10-weeks
* group[=] insert Population(denominator, Referrals registered in the month whose treatment wait is decided)
* group[=] insert Population(numerator, Of those treatment started within 70 days of the intake)
* group[+].code = $measureGroup#days-to-intake
* group[=] insert Population(initial-population, Referrals registered in the month that had their intake; the score is the median of their days to intake)

Instance: ov-regional-table
InstanceOf: Measure
Usage: #definition
Title: "Completed versus sent to the regional table"
Description: "Referrals registered per municipality and month that were completed, and those that went to the regional table."
* insert MeasureMeta(ov-regional-table, OvRegionalTable, Completed versus sent to the regional table)
* description = "Per municipality and month of registration: referrals completed, and referrals that went to the regional table (R9) at any time."
* scoring = $measureScoring#cohort
* group[+].code = $measureGroup#completed
* group[=] insert Population(initial-population, Referral Tasks registered in the month with status completed)
* group[+].code = $measureGroup#sent-to-regional-table
* group[=] insert Population(initial-population, Referral Tasks registered in the month with business status to-regional-table now or in their history)

Instance: ov-youth-transition
InstanceOf: Measure
Usage: #definition
Title: "Handovers at 18 and interruptions of care at 18-23"
Description: "Handovers from youth GGZ to adult GGZ of clients aged 17 or 18, and interruptions of care of clients aged 18 to 23 who were in youth GGZ, per municipality and month."
* insert MeasureMeta(ov-youth-transition, OvYouthTransition, Handovers at 18 and interruptions of care at 18-23)
* description = "Per municipality and month (R3): handovers from a youth-GGZ institution to a GGZ institution of clients aged 17 or 18 at registration, and interruptions of care - gaps of more than 30 days between episodes or referrals of clients who were in youth GGZ, touching ages 18 to 23 - in the month the gap began."
* scoring = $measureScoring#cohort
* group[+].code = $measureGroup#handovers-at-18
* group[=] insert Population(initial-population, Referral Tasks from a youth-GGZ institution to a GGZ institution registered in the month of clients aged 17 or 18)
* group[+].code = $measureGroup#interruptions-18-23
* group[=] insert Population(initial-population, Interruptions of care of more than 30 days begun in the month)

Instance: ov-revolving-door
InstanceOf: Measure
Usage: #definition
Title: "Re-referrals within 12 months"
Description: "The share of referrals per municipality and month of clients who had another referral in the 12 months before (revolving door)."
* insert MeasureMeta(ov-revolving-door, OvRevolvingDoor, Re-referrals within 12 months)
* description = "Per municipality and month of registration: of the referrals, those of clients with another referral registered in the 365 days before (R5)."
* scoring = $measureScoring#proportion
* improvementNotation = $measureImprovement#decrease
* group[+].code = $measureGroup#re-referrals-12-months
* group[=] insert Population(denominator, Referral Tasks registered in the month)
* group[=] insert Population(numerator, Of those the ones whose client had another referral in the 365 days before)

Instance: ov-intake-prefill
InstanceOf: Measure
Usage: #definition
Title: "Pre-fill rate of intake questionnaires"
Description: "The share of answers in intake questionnaires that were pre-filled from the record, per municipality and month."
* insert MeasureMeta(ov-intake-prefill, OvIntakePrefill, Pre-fill rate of intake questionnaires)
* description = "Per municipality and month the questionnaire was authored: of the answers in the GGZ intake and the social-domain conversation, those pre-filled from the record (ov-answer-source), the measure of never asking the same question twice (R2)."
* scoring = $measureScoring#proportion
* improvementNotation = $measureImprovement#increase
* group[+].code = $measureGroup#prefilled-answers
* group[=] insert Population(denominator, Answers in intake QuestionnaireResponses authored in the month)
* group[=] insert Population(numerator, Of those the answers that carry ov-answer-source)
