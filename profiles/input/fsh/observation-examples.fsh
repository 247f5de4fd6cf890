// Examples of the observation profiles, all about the same client at her first contact with
// the youth mental-health team: PHQ-9 and OQ-45 scores, a ZRM domain and a Positive Health
// dimension.

Alias: $loincObsCs = http://loinc.org
Alias: $romInstrumentCs = https://overdracht.dev/fhir/CodeSystem/rom-instrument
Alias: $zrmDomainCs = https://overdracht.dev/fhir/CodeSystem/zrm-domain
Alias: $zrmScoreCs = https://overdracht.dev/fhir/CodeSystem/zrm-score
Alias: $positiveHealthCs = https://overdracht.dev/fhir/CodeSystem/positive-health-dimension
Alias: $ucumCs = http://unitsofmeasure.org

Instance: ov-rom-observation-example
InstanceOf: OvRomObservation
Usage: #example
Title: "PHQ-9 total score 14"
* status = #final
* category[survey] = $observationCategoryCs#survey "Survey"
* code = $loincObsCs#44261-6 "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"
* subject = Reference(ov-patient-example)
* effectiveDateTime = "2026-05-12T10:00:00+02:00"
* performer[0] = Reference(ov-practitionerrole-example)
* valueInteger = 14
* note[0].text = "Ingevuld in de wachtkamer; item 9 (gedachten aan de dood) met 0 beantwoord."

Instance: ov-rom-observation-oq45-example
InstanceOf: OvRomObservation
Usage: #example
Title: "OQ-45 total score with its three subscales"
* status = #final
* category[survey] = $observationCategoryCs#survey "Survey"
* code = $romInstrumentCs#OQ-45 "Outcome Questionnaire-45 total score"
* subject = Reference(ov-patient-example)
* effectivePeriod.start = "2026-05-20T09:30:00+02:00"
* effectivePeriod.end = "2026-05-20T09:45:00+02:00"
* performer[0] = Reference(ov-patient-example)
* valueQuantity = 78 '{score}' "{score}"
* component[0].code.text = "Symptomatic Distress (SD)"
* component[0].valueInteger = 48
* component[1].code.text = "Interpersonal Relations (IR)"
* component[1].valueInteger = 16
* component[2].code.text = "Social Role (SR)"
* component[2].valueInteger = 14

Instance: ov-zrm-observation-example
InstanceOf: OvZrmObservation
Usage: #example
Title: "ZRM housing: limited self-sufficiency"
* status = #final
* category[survey] = $observationCategoryCs#survey "Survey"
* code = $zrmDomainCs#housing "Housing"
* subject = Reference(ov-patient-example)
* effectiveDateTime = "2026-05-14"
* performer[0] = Reference(ov-organization-social-example)
* valueCodeableConcept = $zrmScoreCs#3 "Limited self-sufficiency"
* note[0].text = "Woont bij moeder; wil na haar 18e zelfstandig wonen maar staat nog niet ingeschreven als woningzoekende."

Instance: ov-positive-health-observation-example
InstanceOf: OvPositiveHealthObservation
Usage: #example
Title: "Positive Health: mental well-being 4"
* status = #final
* category[survey] = $observationCategoryCs#survey "Survey"
* code = $positiveHealthCs#mental-wellbeing "Mental well-being"
* subject = Reference(ov-patient-example)
* effectiveDateTime = "2026-05-12"
* performer[0] = Reference(ov-patient-example)
* valueInteger = 4
* note[0].text = "Voelt zich vaak gespannen en somber, vooral over wat er na de zomer gaat gebeuren."
