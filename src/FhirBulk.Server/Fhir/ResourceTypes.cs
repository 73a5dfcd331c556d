namespace FhirBulk.Server.Fhir;

/// <summary>FHIR R4 resource type names, to tell an unknown <c>_type</c> (400) from a known type with no data (no output).</summary>
internal static class ResourceTypes
{
    private static readonly HashSet<string> R4 = new(
        ("Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse AuditEvent Basic Binary " +
        "BiologicallyDerivedProduct BodyStructure Bundle CapabilityStatement CarePlan CareTeam CatalogEntry ChargeItem " +
        "ChargeItemDefinition Claim ClaimResponse ClinicalImpression CodeSystem Communication CommunicationRequest " +
        "CompartmentDefinition Composition ConceptMap Condition Consent Contract Coverage CoverageEligibilityRequest " +
        "CoverageEligibilityResponse DetectedIssue Device DeviceDefinition DeviceMetric DeviceRequest DeviceUseStatement " +
        "DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis Encounter Endpoint EnrollmentRequest " +
        "EnrollmentResponse EpisodeOfCare EventDefinition Evidence EvidenceVariable ExampleScenario ExplanationOfBenefit " +
        "FamilyMemberHistory Flag Goal GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy Immunization " +
        "ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide InsurancePlan Invoice Library Linkage List " +
        "Location Measure MeasureReport Media Medication MedicationAdministration MedicationDispense MedicationKnowledge " +
        "MedicationRequest MedicationStatement MedicinalProduct MedicinalProductAuthorization MedicinalProductContraindication " +
        "MedicinalProductIndication MedicinalProductIngredient MedicinalProductInteraction MedicinalProductManufactured " +
        "MedicinalProductPackaged MedicinalProductPharmaceutical MedicinalProductUndesirableEffect MessageDefinition " +
        "MessageHeader MolecularSequence NamingSystem NutritionOrder Observation ObservationDefinition OperationDefinition " +
        "OperationOutcome Organization OrganizationAffiliation Parameters Patient PaymentNotice PaymentReconciliation Person " +
        "PlanDefinition Practitioner PractitionerRole Procedure Provenance Questionnaire QuestionnaireResponse RelatedPerson " +
        "RequestGroup ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment " +
        "RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen SpecimenDefinition StructureDefinition " +
        "StructureMap Subscription Substance SubstanceNucleicAcid SubstancePolymer SubstanceProtein " +
        "SubstanceReferenceInformation SubstanceSourceMaterial SubstanceSpecification SupplyDelivery SupplyRequest Task " +
        "TerminologyCapabilities TestReport TestScript ValueSet VerificationResult VisionPrescription").Split(' '),
        StringComparer.Ordinal);

    /// <summary>
    /// Types outside the Patient compartment: a Patient or Group export leaves them out unless asked for by
    /// <c>_type</c> (then they come whole, as the supporting resources the compartment references).
    /// </summary>
    private static readonly HashSet<string> NotInPatientCompartment = new(
        ["Organization", "Practitioner", "PractitionerRole", "Location", "Medication", "Group", "HealthcareService", "Endpoint", "Substance", "Bundle"],
        StringComparer.Ordinal);

    public static bool IsKnown(string type) => R4.Contains(type);

    public static bool InPatientCompartment(string type) => !NotInPatientCompartment.Contains(type);
}
