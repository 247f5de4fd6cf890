// Intake questionnaires with SDC pre-population (R2: a client is never asked the same question
// twice, unless it is a monitoring question; R10: Positive Health at first contact).
//
// Every question names its concept in `code` (project code systems, LOINC, the SNOMED CT codes of
// the zib profiles) or, where no code exists, in `definition` (the FHIR element it corresponds
// to), so that an answer given in one questionnaire pre-fills the same concept in any other.
// Pre-population follows SDC (https://hl7.org/fhir/uv/sdc/populate.html): initialExpression and
// itemPopulationContext (expression-based), observationLinkPeriod (observation-based), and the
// launch contexts %patient and %record (the Bundle of what the gateway holds for the client).
// Monitoring questions (ROM instruments) carry ov-monitoring-item and are never pre-filled.
// Item texts are Dutch, with English in the translation extension.

Alias: $qLoinc = http://loinc.org
Alias: $qSct = http://snomed.info/sct
Alias: $qLifeDomain = https://overdracht.dev/fhir/CodeSystem/life-domain
Alias: $qSummarySection = https://overdracht.dev/fhir/CodeSystem/summary-section
Alias: $qPositiveHealth = https://overdracht.dev/fhir/CodeSystem/positive-health-dimension
Alias: $qZrmDomain = https://overdracht.dev/fhir/CodeSystem/zrm-domain
Alias: $qLaunchContext = http://hl7.org/fhir/uv/sdc/CodeSystem/launchContext
Alias: $qIso3166 = urn:iso:std:iso:3166

// ---------------------------------------------------------------------------------------------
// Extensions
// ---------------------------------------------------------------------------------------------

Extension: OvMonitoringItem
Id: ov-monitoring-item
Title: "Monitoring question"
Description: "Marks a question as a monitoring question (for instance an item of a routine outcome monitoring instrument such as the PHQ-9): it measures change over time, so it is asked again every time and never pre-filled from earlier answers or the client record (rule R2: a client is never asked the same question twice, unless it is a monitoring question). On a group or on the Questionnaire it applies to every item below. Like the R4 core extension `variable`, its context names the nested item path too, for validators that do not follow the contentReference of Questionnaire.item.item."
Context: Questionnaire, Questionnaire.item, Questionnaire.item.item
* value[x] 1..1
* value[x] only boolean

Extension: OvAnswerSource
Id: ov-answer-source
Title: "Source of a pre-filled answer"
Description: "The resource a pre-filled answer was taken from: the resource an SDC initialExpression found it in (or the item population context), the Observation of observation-based population, or the earlier QuestionnaireResponse where the same concept was answered. A form filler removes it when the client changes the answer; $extract does not write an answer that still carries it back into the record, since it is already there. Its context names the answer of a nested item too, for validators that do not follow the contentReference of QuestionnaireResponse.item.item."
Context: QuestionnaireResponse.item.answer, QuestionnaireResponse.item.item.answer
* value[x] 1..1
* value[x] only Reference(Resource)

// ---------------------------------------------------------------------------------------------
// Rule sets
// ---------------------------------------------------------------------------------------------

// English translation of the current element's text (http://hl7.org/fhir/StructureDefinition/translation).
RuleSet: QEn(en)
* text.extension[+].url = "http://hl7.org/fhir/StructureDefinition/translation"
* text.extension[=].extension[+].url = "lang"
* text.extension[=].extension[=].valueCode = #en
* text.extension[=].extension[+].url = "content"
* text.extension[=].extension[=].valueString = "{en}"

RuleSet: QItem(linkId, type, nl, en)
* linkId = "{linkId}"
* type = #{type}
* text = "{nl}"
* insert QEn([[{en}]])

RuleSet: QMeta(id, name, nl, en)
* url = "https://overdracht.dev/fhir/Questionnaire/{id}"
* version = "0.1.0"
* name = "{name}"
* title = "{nl}"
* title.extension[+].url = "http://hl7.org/fhir/StructureDefinition/translation"
* title.extension[=].extension[+].url = "lang"
* title.extension[=].extension[=].valueCode = #en
* title.extension[=].extension[+].url = "content"
* title.extension[=].extension[=].valueString = "{en}"
* status = #active
* subjectType = #Patient
* language = #nl
* publisher = "overdracht"
* jurisdiction = $qIso3166#NL "Netherlands"

// The launch contexts (https://hl7.org/fhir/uv/sdc/StructureDefinition-sdc-questionnaire-launchContext.html):
// %patient (an SDC launch context code) and %record, the Bundle of what the gateway holds for the
// client. SDC's launch-context code system has no code for such a Bundle and the contract has
// none either, so %record is named by a Coding with only a code (the binding is extensible).
RuleSet: QLaunchContexts
* extension[+].url = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-launchContext"
* extension[=].extension[+].url = "name"
* extension[=].extension[=].valueCoding = $qLaunchContext#patient "Patient"
* extension[=].extension[+].url = "type"
* extension[=].extension[=].valueCode = #Patient
* extension[=].extension[+].url = "description"
* extension[=].extension[=].valueString = "De cliënt"
* extension[+].url = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-launchContext"
* extension[=].extension[+].url = "name"
* extension[=].extension[=].valueCoding.code = #record
* extension[=].extension[=].valueCoding.display = "Client record"
* extension[=].extension[+].url = "type"
* extension[=].extension[=].valueCode = #Bundle
* extension[=].extension[+].url = "description"
* extension[=].extension[=].valueString = "Wat de gateway over de cliënt bewaart: diagnoses, medicatie, allergieën, metingen (ROM, ZRM, Positieve Gezondheid), zorgtrajecten, crisisplan, naasten, toestemmingen, eerdere vragenlijsten en de samenvatting van eerdere behandeling"

RuleSet: QInitial(expression)
* extension[+].url = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-initialExpression"
* extension[=].valueExpression.language = #text/fhirpath
* extension[=].valueExpression.expression = "{expression}"

// One group repetition per resource the expression finds; child items read it as %{name}.
RuleSet: QPopulationContext(name, expression)
* extension[+].url = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-itemPopulationContext"
* extension[=].valueExpression.name = "{name}"
* extension[=].valueExpression.language = #text/fhirpath
* extension[=].valueExpression.expression = "{expression}"

RuleSet: QVariable(name, expression)
* extension[+].url = "http://hl7.org/fhir/StructureDefinition/variable"
* extension[=].valueExpression.name = "{name}"
* extension[=].valueExpression.language = #text/fhirpath
* extension[=].valueExpression.expression = "{expression}"

// Observation-based population: the newest Observation with the item's code within the period.
RuleSet: QLinkPeriod(value, ucum, unit)
* extension[+].url = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationLinkPeriod"
* extension[=].valueDuration = {value} '{ucum}' "{unit}"

RuleSet: QObservationExtract
* extension[+].url = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract"
* extension[=].valueBoolean = true

RuleSet: QMonitoring
* extension[+].url = "https://overdracht.dev/fhir/StructureDefinition/ov-monitoring-item"
* extension[=].valueBoolean = true

RuleSet: QRange(min, max)
* extension[+].url = "http://hl7.org/fhir/StructureDefinition/minValue"
* extension[=].valueInteger = {min}
* extension[+].url = "http://hl7.org/fhir/StructureDefinition/maxValue"
* extension[=].valueInteger = {max}

// ---------------------------------------------------------------------------------------------
// Positive Health (R10): six dimensions, each 0-10, at first contact
// ---------------------------------------------------------------------------------------------

// A Positive Health score given in the last three months is not asked again.
RuleSet: QPositiveHealthItem(code, display, nl, en)
* item[+]
  * insert QItem(ph-{code}, integer, [[{nl}]], [[{en}]])
  * code = $qPositiveHealth#{code} "{display}"
  * required = true
  * insert QRange(0, 10)
  * insert QLinkPeriod(3, mo, month)
  * insert QObservationExtract

Instance: positive-health
InstanceOf: Questionnaire
Usage: #definition
Title: "Positieve Gezondheid"
Description: "Positive Health (Huber) at first contact (R10): the client scores six dimensions from 0 (very poor) to 10 (very good). A dimension scored in the last three months (an ov-positive-health-observation) is pre-filled; new answers are extracted as Observations."
* insert QMeta(positive-health, PositiveHealth, Positieve Gezondheid, Positive Health)
* description = "Positieve Gezondheid (Huber): zes dimensies, elk van 0 (heel slecht) tot 10 (heel goed), bij het eerste contact."
* insert QLaunchContexts
* item[+]
  * insert QItem(ph-intro, display, [[Geef per onderwerp een cijfer van 0 (heel slecht) tot 10 (heel goed) voor hoe het nu met u gaat.]], [[For each topic, give a score from 0 (very poor) to 10 (very good) for how you are doing now.]])
* insert QPositiveHealthItem(bodily-functions, Bodily functions, [[Lichaamsfuncties: u gezond voelen, slapen, eten, conditie, pijn]], [[Bodily functions: feeling healthy, sleep, eating, fitness, pain]])
* insert QPositiveHealthItem(mental-wellbeing, Mental well-being, [[Mentaal welbevinden: dingen onthouden, concentreren, vrolijk zijn, uzelf accepteren]], [[Mental well-being: remembering things, concentrating, being cheerful, accepting yourself]])
* insert QPositiveHealthItem(meaningfulness, Meaningfulness, [[Zingeving: een zinvol leven, zin in het leven, idealen, vertrouwen]], [[Meaningfulness: a meaningful life, zest for life, ideals, confidence]])
* insert QPositiveHealthItem(quality-of-life, Quality of life, [[Kwaliteit van leven: genieten, gelukkig zijn, lekker in uw vel zitten]], [[Quality of life: enjoying, being happy, feeling good about yourself]])
* insert QPositiveHealthItem(participation, Participation, [[Meedoen: sociale contacten, serieus genomen worden, samen dingen doen]], [[Participation: social contacts, being taken seriously, doing things together]])
* insert QPositiveHealthItem(daily-functioning, Daily functioning, [[Dagelijks functioneren: voor uzelf zorgen, uw grenzen kennen, omgaan met tijd en geld, werken]], [[Daily functioning: taking care of yourself, knowing your limits, managing time and money, working]])

// ---------------------------------------------------------------------------------------------
// Self-sufficiency matrix (ZRM): thirteen domains, each 1-5
// ---------------------------------------------------------------------------------------------

// A domain scored in the last six months is not scored again.
RuleSet: QZrmItem(code, display, nl, en)
* item[+]
  * insert QItem(zrm-{code}, choice, [[{nl}]], [[{en}]])
  * code = $qZrmDomain#{code} "{display}"
  * required = true
  * answerValueSet = "https://overdracht.dev/fhir/ValueSet/zrm-score"
  * insert QLinkPeriod(6, mo, month)
  * insert QObservationExtract

Instance: self-sufficiency-matrix
InstanceOf: Questionnaire
Usage: #definition
Title: "Zelfredzaamheid-Matrix"
Description: "The self-sufficiency matrix (Zelfredzaamheid-Matrix, ZRM): the professional scores thirteen life domains from 1 (acute problems) to 5 (fully self-sufficient). A domain scored in the last six months (an ov-zrm-observation) is pre-filled; new scores are extracted as Observations."
* insert QMeta(self-sufficiency-matrix, SelfSufficiencyMatrix, Zelfredzaamheid-Matrix, Self-sufficiency matrix)
* description = "Zelfredzaamheid-Matrix: dertien domeinen, elk van 1 (acute problematiek) tot 5 (volledig zelfredzaam)."
* insert QLaunchContexts
* item[+]
  * insert QItem(zrm-intro, display, [[Scoor per domein van 1 (acute problematiek) tot 5 (volledig zelfredzaam).]], [[Score each domain from 1 (acute problems) to 5 (fully self-sufficient).]])
* insert QZrmItem(finances, Finances, Financiën, Finances)
* insert QZrmItem(work-education, Work and education, Werk en opleiding, Work and education)
* insert QZrmItem(time-use, Time use, Tijdsbesteding, Time use)
* insert QZrmItem(housing, Housing, Huisvesting, Housing)
* insert QZrmItem(domestic-relations, Domestic relations, Huiselijke relaties, Domestic relations)
* insert QZrmItem(mental-health, Mental health, Geestelijke gezondheid, Mental health)
* insert QZrmItem(physical-health, Physical health, Lichamelijke gezondheid, Physical health)
* insert QZrmItem(addiction, Addiction, Verslaving, Addiction)
* insert QZrmItem(adl-basic, Basic ADL, [[Basale ADL (zelfverzorging)]], [[Basic activities of daily living (self-care)]])
* insert QZrmItem(adl-instrumental, Instrumental ADL, [[Instrumentele ADL (huishouden, boodschappen)]], [[Instrumental activities of daily living (household, shopping)]])
* insert QZrmItem(social-network, Social network, Sociaal netwerk, Social network)
* insert QZrmItem(community-participation, Community participation, Maatschappelijke participatie, Community participation)
* insert QZrmItem(justice, Justice, Justitie, Justice)

// ---------------------------------------------------------------------------------------------
// PHQ-9: a monitoring instrument; every item is asked again every time
// ---------------------------------------------------------------------------------------------

RuleSet: QPhqOption(code, display, nl, score)
* answerOption[+].valueCoding = $qLoinc#{code} "{display}"
* answerOption[=].valueCoding.display.extension[+].url = "http://hl7.org/fhir/StructureDefinition/translation"
* answerOption[=].valueCoding.display.extension[=].extension[+].url = "lang"
* answerOption[=].valueCoding.display.extension[=].extension[=].valueCode = #nl
* answerOption[=].valueCoding.display.extension[=].extension[+].url = "content"
* answerOption[=].valueCoding.display.extension[=].extension[=].valueString = "{nl}"
* answerOption[=].extension[+].url = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
* answerOption[=].extension[=].valueDecimal = {score}

RuleSet: QPhqItem(n, loinc, display, nl, en)
* item[+]
  * insert QItem(phq9-{n}, choice, [[{nl}]], [[{en}]])
  * code = $qLoinc#{loinc} "{display}"
  * required = true
  * insert QMonitoring
  * insert QObservationExtract
  * insert QPhqOption(LA6568-5, Not at all, Helemaal niet, 0)
  * insert QPhqOption(LA6569-3, Several days, Meerdere dagen, 1)
  * insert QPhqOption(LA6570-1, More than half the days, Meer dan de helft van de dagen, 2)
  * insert QPhqOption(LA6571-9, Nearly every day, Bijna elke dag, 3)

Instance: phq-9
InstanceOf: Questionnaire
Usage: #definition
Title: "PHQ-9"
Description: "The Patient Health Questionnaire (PHQ-9), a routine outcome monitoring (ROM) instrument for depressive symptoms over the last two weeks, in Dutch. Every item is a monitoring question (ov-monitoring-item): it is never pre-filled. The total score (LOINC 44261-6) is calculated from the answers' ordinal values."
* insert QMeta(phq-9, Phq9, PHQ-9, PHQ-9)
* description = "PHQ-9: negen vragen over depressieve klachten in de afgelopen twee weken; een meetinstrument (ROM) dat steeds opnieuw wordt afgenomen."
* copyright = "PHQ-9: developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute."
* code = $qLoinc#44249-1 "PHQ-9 quick depression assessment panel [Reported.PHQ]"
* insert QLaunchContexts
* item[+]
  * insert QItem(phq9-intro, display, [[Hoe vaak heeft u in de afgelopen 2 weken last gehad van de volgende problemen?]], [[Over the last 2 weeks, how often have you been bothered by any of the following problems?]])
* insert QPhqItem(1, 44250-9, Little interest or pleasure in doing things, Weinig interesse of plezier in het doen van dingen, Little interest or pleasure in doing things)
* insert QPhqItem(2, 44255-8, [[Feeling down, depressed, or hopeless]], [[Zich neerslachtig, depressief of hopeloos voelen]], [[Feeling down, depressed, or hopeless]])
* insert QPhqItem(3, 44259-0, [[Trouble falling or staying asleep, or sleeping too much]], [[Moeilijk in slaap komen of doorslapen, of te veel slapen]], [[Trouble falling or staying asleep, or sleeping too much]])
* insert QPhqItem(4, 44254-1, Feeling tired or having little energy, Zich moe voelen of weinig energie hebben, Feeling tired or having little energy)
* insert QPhqItem(5, 44251-7, Poor appetite or overeating, Slechte eetlust of te veel eten, Poor appetite or overeating)
* insert QPhqItem(6, 44258-2, [[Feeling bad about yourself-or that you are a failure or have let yourself or your family down]], [[Een slecht gevoel over uzelf hebben, of het gevoel dat u een mislukkeling bent of uzelf of uw familie tekort hebt gedaan]], [[Feeling bad about yourself, or that you are a failure or have let yourself or your family down]])
* insert QPhqItem(7, 44252-5, [[Trouble concentrating on things, such as reading the newspaper or watching television]], [[Moeite met concentreren, bijvoorbeeld bij het lezen van de krant of televisiekijken]], [[Trouble concentrating on things, such as reading the newspaper or watching television]])
* insert QPhqItem(8, 44253-3, [[Moving or speaking so slowly that other people could have noticed. Or the opposite-being so fidgety or restless that you have been moving around a lot more than usual]], [[Zo traag bewegen of praten dat anderen het zouden kunnen opmerken, of juist zo onrustig zijn dat u veel meer beweegt dan normaal]], [[Moving or speaking so slowly that other people could have noticed, or being so fidgety or restless that you have been moving around a lot more than usual]])
* insert QPhqItem(9, 44260-8, [[Thoughts that you would be better off dead, or of hurting yourself in some way]], [[Gedachten dat u beter dood zou kunnen zijn, of gedachten om uzelf iets aan te doen]], [[Thoughts that you would be better off dead, or of hurting yourself in some way]])
// The total is calculated from the answers (https://hl7.org/fhir/uv/sdc/behavior.html#calculatedExpression).
* item[+]
  * insert QItem(phq9-total, integer, Totaalscore, Total score)
  * code = $qLoinc#44261-6 "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"
  * readOnly = true
  * insert QMonitoring
  * insert QObservationExtract
  * insert QRange(0, 27)
  * extension[+].url = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
  * extension[=].valueExpression.language = #text/fhirpath
  * extension[=].valueExpression.expression = "iif(%resource.item.where(linkId.startsWith('phq9-') and linkId != 'phq9-total').answer.count() = 9, %resource.item.where(linkId.startsWith('phq9-') and linkId != 'phq9-total').answer.value.select(iif(code = 'LA6569-3', 1, iif(code = 'LA6570-1', 2, iif(code = 'LA6571-9', 3, 0)))).sum(), {})"

// ---------------------------------------------------------------------------------------------
// Shared questions of the GGZ intake and the social-domain conversation (keukentafelgesprek).
// Both ask them under their own linkIds (prefix p); the codes and definitions are the same, so
// what the client answered in one is pre-filled in the other.
// ---------------------------------------------------------------------------------------------

// The client's own request for help: the referral's ov-client-request, in the client's words.
RuleSet: QClientRequest(p)
* item[+]
  * insert QItem({p}-request, text, [[Wat is uw hulpvraag? Waar wilt u hulp bij?]], [[What is your request for help? What would you like help with?]])
  * definition = "https://overdracht.dev/fhir/StructureDefinition/ov-client-request#Extension.value[x]"
  * required = true
  * insert QInitial([[%record.entry.resource.ofType(ServiceRequest).where(status = 'active').extension('https://overdracht.dev/fhir/StructureDefinition/ov-client-request').value.first()]])

RuleSet: QGeneralPractitioner(p)
* item[+]
  * insert QItem({p}-gp, reference, Huisarts, General practitioner)
  * definition = "http://hl7.org/fhir/StructureDefinition/Patient#Patient.generalPractitioner"
  * extension[+].url = "http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource"
  * extension[=].valueCode = #Organization
  * extension[+].url = "http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource"
  * extension[=].valueCode = #Practitioner
  * extension[+].url = "http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource"
  * extension[=].valueCode = #PractitionerRole
  * insert QInitial([[%patient.generalPractitioner.first()]])

// Earlier mental-health treatment: one repetition per episode of care in the record.
// No code exists for where, when, what and result of a treatment, so they name the element of
// EpisodeOfCare (and Procedure.outcome for the result) they correspond to.
RuleSet: QTreatmentHistory(p)
* item[+]
  * insert QItem({p}-treatment, group, [[Eerdere behandeling voor psychische klachten]], [[Earlier treatment for mental-health problems]])
  * code = $qSummarySection#treatment-history "Treatment history"
  * repeats = true
  * insert QPopulationContext(episode, [[%record.entry.resource.ofType(EpisodeOfCare)]])
  * item[+]
    * insert QItem({p}-treatment-where, string, [[Waar (instelling of behandelaar)?]], [[Where (institution or practitioner)?]])
    * definition = "http://hl7.org/fhir/StructureDefinition/EpisodeOfCare#EpisodeOfCare.managingOrganization"
    * insert QInitial([[(%episode.managingOrganization.resolve().name | %episode.managingOrganization.display).first()]])
  * item[+]
    * insert QItem({p}-treatment-start, date, Vanaf, From)
    * definition = "http://hl7.org/fhir/StructureDefinition/EpisodeOfCare#EpisodeOfCare.period.start"
    * insert QInitial([[%episode.period.start]])
  * item[+]
    * insert QItem({p}-treatment-end, date, Tot, Until)
    * definition = "http://hl7.org/fhir/StructureDefinition/EpisodeOfCare#EpisodeOfCare.period.end"
    * insert QInitial([[%episode.period.end]])
  * item[+]
    * insert QItem({p}-treatment-what, string, [[Wat voor behandeling?]], [[What kind of treatment?]])
    * definition = "http://hl7.org/fhir/StructureDefinition/EpisodeOfCare#EpisodeOfCare.type"
    * insert QInitial([[%episode.type.first()]])
  * item[+]
    * insert QItem({p}-treatment-result, text, [[Wat was het resultaat?]], [[What was the result?]])
    * definition = "http://hl7.org/fhir/StructureDefinition/Procedure#Procedure.outcome"

// Known diagnoses, except the legal-status Conditions (zib LegalSituation-LegalStatus, SNOMED 303186005).
RuleSet: QDiagnoses(p)
* item[+]
  * insert QItem({p}-diagnosis, group, Bekende diagnoses, Known diagnoses)
  * code = $qSummarySection#diagnoses-problems "Diagnoses and problems"
  * repeats = true
  * insert QPopulationContext(condition, [[%record.entry.resource.ofType(Condition).where(category.coding.where(system = 'http://snomed.info/sct' and code = '303186005').empty() and verificationStatus.coding.where(code = 'entered-in-error' or code = 'refuted').empty())]])
  * item[+]
    * insert QItem({p}-diagnosis-code, open-choice, Diagnose, Diagnosis)
    * definition = "http://hl7.org/fhir/StructureDefinition/Condition#Condition.code"
    * answerValueSet = "https://overdracht.dev/fhir/ValueSet/referral-reason"
    * insert QInitial([[%condition.code.coding.first()]])
  * item[+]
    * insert QItem({p}-diagnosis-since, date, Sinds, Since)
    * definition = "http://hl7.org/fhir/StructureDefinition/Condition#Condition.onset[x]"
    * insert QInitial([[%condition.onset.ofType(dateTime)]])

RuleSet: QMedication(p)
* item[+]
  * insert QItem({p}-medication, group, [[Medicijnen die u nu gebruikt]], [[Medication you currently take]])
  * code = $qSummarySection#medication "Medication"
  * repeats = true
  * insert QPopulationContext(medication, [[%record.entry.resource.ofType(MedicationStatement).where(status = 'active' or status = 'intended')]])
  * item[+]
    * insert QItem({p}-medication-name, string, Medicijn, Medicine)
    * definition = "http://hl7.org/fhir/StructureDefinition/MedicationStatement#MedicationStatement.medication[x]"
    * insert QInitial([[%medication.medication.ofType(CodeableConcept)]])
  * item[+]
    * insert QItem({p}-medication-dosage, string, Dosering, Dosage)
    * definition = "http://hl7.org/fhir/StructureDefinition/MedicationStatement#MedicationStatement.dosage.text"
    * insert QInitial([[%medication.dosage.text.first()]])

// Allergies: LOINC 48765-2, the code of the allergies section of a patient summary (IPS).
RuleSet: QAllergies(p)
* item[+]
  * insert QItem({p}-allergy, group, [[Allergieën en overgevoeligheden]], [[Allergies and intolerances]])
  * code = $qLoinc#48765-2 "Allergies and adverse reactions Document"
  * repeats = true
  * insert QPopulationContext(allergy, [[%record.entry.resource.ofType(AllergyIntolerance).where(clinicalStatus.coding.where(code = 'inactive' or code = 'resolved').empty() and verificationStatus.coding.where(code = 'entered-in-error' or code = 'refuted').empty())]])
  * item[+]
    * insert QItem({p}-allergy-substance, string, [[Waarvoor (stof of middel)?]], [[To what (substance or medicine)?]])
    * definition = "http://hl7.org/fhir/StructureDefinition/AllergyIntolerance#AllergyIntolerance.code"
    * insert QInitial([[%allergy.code]])
  * item[+]
    * insert QItem({p}-allergy-reaction, string, [[Welke reactie?]], [[What reaction?]])
    * definition = "http://hl7.org/fhir/StructureDefinition/AllergyIntolerance#AllergyIntolerance.reaction.manifestation"
    * insert QInitial([[%allergy.reaction.manifestation.first()]])

// The crisis plan is the CarePlan the summary's risks-crisis-plan section lists. The suicide
// risk is assessed anew at every contact, so it is a monitoring question.
RuleSet: QRisks(p)
* item[+]
  * insert QItem({p}-crisis-plan, text, [[Is er een crisisplan of signaleringsplan? Wat staat erin?]], [[Is there a crisis or relapse-prevention plan? What does it say?]])
  * code = $qSummarySection#risks-crisis-plan "Risks and crisis plan"
  * insert QInitial([[%summarySections.where(code.coding.where(system = 'https://overdracht.dev/fhir/CodeSystem/summary-section' and code = 'risks-crisis-plan').exists()).entry.resolve().ofType(CarePlan).where(status = 'active').description.first()]])
* item[+]
  * insert QItem({p}-suicide-risk, choice, [[Inschatting van het suïciderisico nu]], [[Current assessment of suicide risk]])
  * answerValueSet = "http://hl7.org/fhir/ValueSet/risk-probability"
  * insert QMonitoring

// Living situation, work or education, income and debts: life domains, taken from an answer or an
// Observation of the last year. The zib codes (SNOMED CT) of LivingSituation and
// ParticipationInSociety.WorkSituation name the same concepts.
RuleSet: QLifeDomain(p, code, display, nl, en)
* item[+]
  * insert QItem({p}-{code}, text, [[{nl}]], [[{en}]])
  * code = $qLifeDomain#{code} "{display}"
  * insert QLinkPeriod(1, a, year)
  * insert QObservationExtract

RuleSet: QLivingSituation(p)
* insert QLifeDomain({p}, housing, Housing, [[Hoe woont u (waar, met wie, is het passend)?]], [[How do you live (where, with whom, is it suitable)?]])
* item[=].code[+] = $qSct#365508006 "Residence and accommodation circumstances"

RuleSet: QWorkEducation(p)
* insert QLifeDomain({p}, work-education, Work and education, [[Werk of opleiding: wat doet u overdag?]], [[Work or education: what do you do during the day?]])
* item[=].code[+] = $qSct#364703007 "Employment detail"

RuleSet: QIncomeDebts(p)
* insert QLifeDomain({p}, income-debts, Income and debts, [[Inkomen en schulden: waarvan leeft u, heeft u schulden?]], [[Income and debts: what do you live on, do you have debts?]])

// Relatives (one repetition per RelatedPerson) and children at home (KOPP/KOV, R13). The contract
// has no code for children at home; the item is asked in each questionnaire until it has one.
RuleSet: QRelatives(p)
* item[+]
  * insert QItem({p}-relative, group, Naasten, Relatives)
  * code = $qSummarySection#relatives-household "Relatives and household"
  * repeats = true
  * insert QPopulationContext(relative, [[%record.entry.resource.ofType(RelatedPerson).where(active != false)]])
  * item[+]
    * insert QItem({p}-relative-relationship, string, Relatie, Relationship)
    * definition = "http://hl7.org/fhir/StructureDefinition/RelatedPerson#RelatedPerson.relationship"
    * insert QInitial([[%relative.relationship.first()]])
  * item[+]
    * insert QItem({p}-relative-name, string, Naam, Name)
    * definition = "http://hl7.org/fhir/StructureDefinition/RelatedPerson#RelatedPerson.name"
    * insert QInitial([[%relative.name.select(text | (given.join(' ') + ' ' + family)).first()]])
* item[+]
  * insert QItem({p}-children-at-home, boolean, [[Wonen er kinderen jonger dan 18 bij u in huis?]], [[Do children under 18 live with you?]])

// Legal status: the zib LegalSituation-LegalStatus Conditions (category SNOMED 303186005).
RuleSet: QLegalStatus(p)
* item[+]
  * insert QItem({p}-legal-status, choice, Juridische status, Legal status)
  * code = $qSummarySection#legal-status "Legal status"
  * code[+] = $qSct#303186005 "Legal status"
  * repeats = true
  * answerValueSet = "https://overdracht.dev/fhir/ValueSet/legal-status"
  * insert QInitial([[%record.entry.resource.ofType(Condition).where(category.coding.where(system = 'http://snomed.info/sct' and code = '303186005').exists() and clinicalStatus.coding.where(code = 'inactive' or code = 'resolved').empty()).code.coding.where(system = 'https://overdracht.dev/fhir/CodeSystem/legal-status')]])

// The sections of the summary Composition the gateway holds (for the crisis plan).
RuleSet: QSummaryVariable
* insert QVariable(summarySections, [[%record.entry.resource.ofType(Composition).where(type.coding.where(system = 'https://overdracht.dev/fhir/CodeSystem/document-type' and (code = 'previous-treatment-summary' or code = 'assembled-summary')).exists()).section]])

// ---------------------------------------------------------------------------------------------
// GGZ intake
// ---------------------------------------------------------------------------------------------

Instance: ggz-intake
InstanceOf: Questionnaire
Usage: #definition
Title: "Intake GGZ"
Description: "The intake questionnaire of mental-health care (GGZ): the client's request for help, earlier treatment, diagnoses, medication, allergies, crisis plan and suicide risk, living situation, work or education, income and debts, relatives and children at home, legal status and the GP. Everything the record or an earlier answer already holds is pre-filled with its source; the suicide-risk assessment is a monitoring question."
* insert QMeta(ggz-intake, GgzIntake, Intake GGZ, Mental-health care intake)
* description = "Intakevragenlijst GGZ, vooraf ingevuld met wat al bekend is uit het dossier en eerdere vragenlijsten."
* insert QLaunchContexts
* insert QSummaryVariable
* item[+]
  * insert QItem(ggz-intro, display, [[Wat al bekend is, is alvast ingevuld. Kijk of het klopt en vul aan wat ontbreekt.]], [[What is already known has been filled in. Check that it is right and add what is missing.]])
* insert QClientRequest(ggz)
* insert QTreatmentHistory(ggz)
* insert QDiagnoses(ggz)
* insert QMedication(ggz)
* insert QAllergies(ggz)
* insert QRisks(ggz)
* insert QLivingSituation(ggz)
* insert QWorkEducation(ggz)
* insert QIncomeDebts(ggz)
* insert QRelatives(ggz)
* insert QLegalStatus(ggz)
* insert QGeneralPractitioner(ggz)

// ---------------------------------------------------------------------------------------------
// Social-domain conversation (keukentafelgesprek)
// ---------------------------------------------------------------------------------------------

Instance: social-domain-conversation
InstanceOf: Questionnaire
Usage: #definition
Title: "Keukentafelgesprek"
Description: "The social-domain conversation (keukentafelgesprek) of a municipal social team: the client's request for help, the nine life domains, and the same questions on earlier treatment, diagnoses, medication, allergies, crisis plan and suicide risk, relatives and children at home, legal status and the GP as the GGZ intake, with the same codes, so that neither asks what the other already knows."
* insert QMeta(social-domain-conversation, SocialDomainConversation, Keukentafelgesprek, Social-domain conversation)
* description = "Keukentafelgesprek van het sociaal wijkteam: de hulpvraag en alle leefgebieden, vooraf ingevuld met wat al bekend is."
* insert QLaunchContexts
* insert QSummaryVariable
* item[+]
  * insert QItem(ktg-intro, display, [[We lopen samen alle leefgebieden langs. Wat u eerder al hebt verteld, is alvast ingevuld.]], [[Together we go through all areas of life. What you told us before has been filled in.]])
* insert QClientRequest(ktg)
* insert QLivingSituation(ktg)
* insert QWorkEducation(ktg)
* insert QIncomeDebts(ktg)
* insert QLifeDomain(ktg, social-network, Social network, [[Sociaal netwerk: op wie kunt u terugvallen?]], [[Social network: who can you fall back on?]])
* item[=].code[+] = $qSct#365469004 "Social network"
* insert QLifeDomain(ktg, daily-activities, Daily activities, [[Dagbesteding: hoe ziet een gewone dag eruit?]], [[Daily activities: what does an ordinary day look like?]])
* insert QLifeDomain(ktg, care, Care, [[Zorg: welke hulp of zorg krijgt u al?]], [[Care: what help or care do you already receive?]])
* insert QLifeDomain(ktg, safety, Safety, [[Veiligheid: voelt u zich veilig, thuis en daarbuiten?]], [[Safety: do you feel safe, at home and elsewhere?]])
* insert QLifeDomain(ktg, physical-health, Physical health, [[Lichamelijke gezondheid]], [[Physical health]])
* insert QLifeDomain(ktg, mental-health, Mental health, [[Psychische gezondheid: hoe gaat het met u?]], [[Mental health: how are you?]])
* insert QRelatives(ktg)
* insert QTreatmentHistory(ktg)
* insert QDiagnoses(ktg)
* insert QMedication(ktg)
* insert QAllergies(ktg)
* insert QRisks(ktg)
* insert QLegalStatus(ktg)
* insert QGeneralPractitioner(ktg)
