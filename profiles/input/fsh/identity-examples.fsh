// Examples of the identity profiles: a 17-year-old client in Winsum (municipality Het Hogeland),
// her GP and the GP practice, and the municipality's social-domain team. All names, numbers and
// addresses are fictional; the BSN is a test number that passes the 11-check.

Alias: $v3RoleCodeCs = http://terminology.hl7.org/CodeSystem/v3-RoleCode
Alias: $v2ContactRoleCs = http://terminology.hl7.org/CodeSystem/v2-0131
Alias: $sctCs = http://snomed.info/sct
Alias: $orgTypeCs = https://overdracht.dev/fhir/CodeSystem/organization-type
Alias: $langCs = urn:ietf:bcp:47

Instance: ov-patient-example
InstanceOf: OvPatient
Usage: #example
Title: "Client aged 17, preparing the move to adult care"
Description: "Sanne de Vries lives with her mother in Winsum; her GP refers her, and at 18 her youth mental-health care ends."
* identifier[bsn].system = "http://fhir.nl/fhir/NamingSystem/bsn"
* identifier[bsn].value = "999999990"
* active = true
* name[0].use = #official
* name[0].family = "de Vries"
* name[0].given[0] = "Sanne"
* name[0].given[1] = "Margriet"
* name[0].text = "Sanne Margriet de Vries"
* telecom[0].system = #phone
* telecom[0].value = "06-18273645"
* telecom[0].use = #mobile
* telecom[1].system = #email
* telecom[1].value = "sanne.devries@example.nl"
* telecom[1].use = #home
* gender = #female
* birthDate = "2008-09-02"
* address[0].extension[municipalityCode].valueCoding = $gbaMunicipality#1966 "Het Hogeland"
* address[0].use = #home
* address[0].type = #both
* address[0].line[0] = "Hoofdstraat 12"
* address[0].city = "Winsum"
* address[0].district = "Het Hogeland"
* address[0].postalCode = "9951 AB"
* address[0].country = "NL"
* generalPractitioner[0] = Reference(ov-practitionerrole-example)
* contact[0].relationship[0] = $v3RoleCodeCs#MTH "mother"
* contact[0].relationship[1] = $v2ContactRoleCs#C "Emergency Contact"
* contact[0].name.use = #official
* contact[0].name.family = "de Vries-Jansen"
* contact[0].name.given[0] = "Petra"
* contact[0].name.text = "Petra de Vries-Jansen"
* contact[0].telecom[0].system = #phone
* contact[0].telecom[0].value = "06-29384756"
* communication[0].language = $langCs#nl "Dutch"
* communication[0].preferred = true

Instance: ov-practitioner-example
InstanceOf: OvPractitioner
Usage: #example
Title: "GP with UZI, BIG and AGB numbers"
* identifier[uzi].system = "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers"
* identifier[uzi].value = "902345671"
* identifier[big].system = "http://fhir.nl/fhir/NamingSystem/big"
* identifier[big].value = "19023456701"
* identifier[agb].system = "http://fhir.nl/fhir/NamingSystem/agb-z"
* identifier[agb].value = "01023456"
* active = true
* name[0].use = #official
* name[0].family = "Zijlstra"
* name[0].given[0] = "Jelle"
* name[0].prefix[0] = "dr."
* name[0].text = "dr. J. Zijlstra"
* telecom[0].system = #phone
* telecom[0].value = "0595-441234"
* telecom[0].use = #work
* gender = #male

Instance: ov-practitionerrole-example
InstanceOf: OvPractitionerRole
Usage: #example
Title: "The GP at the practice in Winsum"
* active = true
* practitioner = Reference(ov-practitioner-example)
* organization = Reference(ov-organization-example)
* code[0] = $sctCs#62247001 "General practitioner"
* code[0].text = "Huisarts"
* specialty[0].text = "Huisartsgeneeskunde"
* telecom[0].system = #phone
* telecom[0].value = "0595-441234"
* telecom[0].use = #work

Instance: ov-organization-example
InstanceOf: OvOrganization
Usage: #example
Title: "GP practice with AGB and URA, typed twice"
* identifier[agb].system = "http://fhir.nl/fhir/NamingSystem/agb-z"
* identifier[agb].value = "01056789"
* identifier[ura].system = "http://fhir.nl/fhir/NamingSystem/ura"
* identifier[ura].value = "87654321"
* active = true
* type[organizationType] = $orgTypeCs#gp-practice "GP practice"
* type[roleCodeNL] = $roleCodeNL#Z3 "Huisartspraktijk (zelfstandig of groepspraktijk)"
* name = "Huisartsenpraktijk Winsum"
* telecom[0].system = #phone
* telecom[0].value = "0595-441234"
* address[0].line[0] = "Stationsweg 3"
* address[0].city = "Winsum"
* address[0].district = "Het Hogeland"
* address[0].postalCode = "9951 AE"
* address[0].country = "NL"

Instance: ov-organization-social-example
InstanceOf: OvOrganization
Usage: #example
Title: "The municipality's social-domain team"
Description: "A social-domain organisation without AGB or URA: identified by the municipality's own number."
* identifier[0].system = "https://hethogeland.example/fhir/NamingSystem/sociaal-team"
* identifier[0].value = "WIJ-WINSUM"
* active = true
* type[organizationType] = $orgTypeCs#social-domain-organisation "Social-domain organisation"
* name = "Sociaal Team Winsum"
* telecom[0].system = #phone
* telecom[0].value = "0595-447700"
* address[0].line[0] = "Schouwerzijl 2"
* address[0].city = "Winsum"
* address[0].district = "Het Hogeland"
* address[0].postalCode = "9951 BD"
* address[0].country = "NL"
