"""The dossier the gemeente keeps per inburgeraar, split by use case.

access        who keeps a dossier (regisseur, teamleider) and the person as a gemeente user may see them
people        finding people: the list, the caseload per regisseur, the staff to assign
read          reading one dossier and its history
sections      registering a person and writing each section as a version
enrollments   placing a person with a contracted provider, changing or ending it
rules         the sections' pure rules (DUO's PIP rules, the offer term, doelgroep, verhuizing)
forms         form values → the services' inputs; routes: the pages
onboarding    bulk import of existing dossiers; transfer: the warm transfer summary
"""
