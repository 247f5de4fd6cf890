// Example: the receiving institution reports back to the GP after the intake of the GP referral
// in referral-examples.fsh.

Alias: $docType = https://overdracht.dev/fhir/CodeSystem/document-type
Alias: $feedbackType = https://overdracht.dev/fhir/CodeSystem/feedback-type
Alias: $feedbackSection = https://overdracht.dev/fhir/CodeSystem/feedback-section

Instance: OvFeedbackExample
InstanceOf: OvFeedback
Usage: #example
Title: "Feedback to the GP after the intake"
Description: "Intake held; diagnosis, the treatment that will start, advice to the GP and what happens next."
* id = "ov-feedback-example"
* extension[basedOn].valueReference = Reference(OvReferralServiceRequestExample)
* status = #final
* type = $docType#feedback-report
* category[0] = $feedbackType#intake-held
* subject = Reference(RefPatient)
* date = "2026-06-02T16:00:00+02:00"
* author[0] = Reference(RefGgzRole)
* title = "Terugrapportage na intake"
* custodian = Reference(RefGgzOrganization)
* section[outcome].title = "Uitkomst"
* section[outcome].text.status = #generated
* section[outcome].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Intake gehouden op 28 mei 2026. Mevrouw is passend voor de generalistische basis-GGZ en start op 11 juni 2026.</p></div>"
* section[diagnoses].title = "Diagnose"
* section[diagnoses].text.status = #generated
* section[diagnoses].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Depressieve stoornis, eenmalige episode, matig (DSM-5 F32.1); paniekstoornis (DSM-5 F41.0).</p></div>"
* section[treatment].title = "Behandeling"
* section[treatment].text.status = #generated
* section[treatment].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Cognitieve gedragstherapie, 10 sessies, gericht op activering, piekeren en paniek; terugkeer naar werk in overleg met de bedrijfsarts.</p></div>"
* section[adviceToReferrer].title = "Advies aan de verwijzer"
* section[adviceToReferrer].text.status = #generated
* section[adviceToReferrer].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Sertraline 50 mg continueren; na 4 weken evalueren of ophogen naar 100 mg zinvol is. Bij toename van somberheid of suïcidale gedachten graag direct contact met ons.</p></div>"
* section[followUp].title = "Vervolg"
* section[followUp].text.status = #generated
* section[followUp].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Tussenrapportage na 5 sessies; eindrapportage bij afsluiting.</p></div>"
