Profile: OverdrachtPatient
Parent: Patient
Id: overdracht-patient
Title: "overdracht Patient"
Description: "A client."
* identifier 1..*
