namespace FhirBulk.Server.Data.Generation;

/// <summary>A code from a real code system, as Synthea writes it.</summary>
internal sealed record Code(string System, string Value, string Display);

/// <summary>A chronic condition: its yearly onset probability for adults and the drug that treats it.</summary>
internal sealed record ChronicCondition(Code Code, double Prevalence, int MinAge, Code? Medication, Code[] Labs);

/// <summary>An acute condition that recurs (repeated diagnoses) and how it is treated.</summary>
internal sealed record AcuteCondition(Code Code, int MinAge, int MaxAge, double Weight, Code? Medication, Code? Procedure, bool Emergency = false);

/// <summary>A vital sign or lab: LOINC code, UCUM unit and a plausible normal distribution.</summary>
internal sealed record Measure(Code Code, string Unit, double Mean, double Deviation, double Min, double Max, int Decimals);

/// <summary>Code tables drawn from SNOMED CT, LOINC, RxNorm and CVX with Synthea's displays.</summary>
internal static class Terminology
{
    public const string Snomed = "http://snomed.info/sct";
    public const string Loinc = "http://loinc.org";
    public const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    public const string Cvx = "http://hl7.org/fhir/sid/cvx";
    public const string Ucum = "http://unitsofmeasure.org";

    private static Code S(string code, string display) => new(Snomed, code, display);

    private static Code L(string code, string display) => new(Loinc, code, display);

    private static Code R(string code, string display) => new(RxNorm, code, display);

    private static Code C(string code, string display) => new(Cvx, code, display);

    public static readonly Code WellnessAdult = S("162673000", "General examination of patient (procedure)");
    public static readonly Code WellnessChild = S("410620009", "Well child visit (procedure)");
    public static readonly Code ProblemEncounter = S("185347001", "Encounter for problem (procedure)");
    public static readonly Code SymptomEncounter = S("185345009", "Encounter for symptom (procedure)");
    public static readonly Code FollowUpEncounter = S("390906007", "Follow-up encounter (procedure)");
    public static readonly Code EmergencyEncounter = S("50849002", "Emergency room admission (procedure)");

    public static readonly Code Prediabetes = S("714628002", "Prediabetes (finding)");

    public static readonly ChronicCondition[] Chronic =
    [
        new(S("38341003", "Hypertension (disorder)"), 0.025, 25, R("314076", "lisinopril 10 MG Oral Tablet"), []),
        new(Prediabetes, 0.015, 30, null, [L("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")]),
        new(S("44054006", "Diabetes mellitus type 2 (disorder)"), 0.008, 35, R("860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet"), [L("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"), L("2339-0", "Glucose [Mass/volume] in Blood")]),
        new(S("55822004", "Hyperlipidemia (disorder)"), 0.012, 30, R("312961", "Simvastatin 20 MG Oral Tablet"), [L("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma"), L("2571-8", "Triglycerides [Mass/volume] in Serum or Plasma")]),
        new(S("195967001", "Asthma (disorder)"), 0.006, 2, R("895994", "120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler"), []),
        new(S("40055000", "Chronic sinusitis (disorder)"), 0.004, 15, null, []),
    ];

    public static readonly AcuteCondition[] Acute =
    [
        new(S("444814009", "Viral sinusitis (disorder)"), 0, 120, 4, R("308182", "Amoxicillin 250 MG Oral Capsule"), null),
        new(S("195662009", "Acute viral pharyngitis (disorder)"), 0, 120, 3, R("198405", "Ibuprofen 100 MG Oral Tablet"), null),
        new(S("10509002", "Acute bronchitis (disorder)"), 0, 120, 2, R("313782", "Acetaminophen 325 MG Oral Tablet"), S("23426006", "Measurement of respiratory function (procedure)")),
        new(S("43878008", "Streptococcal sore throat (disorder)"), 3, 60, 1, R("834061", "Penicillin V Potassium 250 MG Oral Tablet"), S("117015009", "Throat culture (procedure)")),
        new(S("65363002", "Otitis media (disorder)"), 0, 12, 3, R("308182", "Amoxicillin 250 MG Oral Capsule"), null),
        new(S("62106007", "Concussion with no loss of consciousness (disorder)"), 5, 90, 0.4, null, S("82078001", "Collection of blood specimen for laboratory (procedure)"), Emergency: true),
    ];

    public static readonly Measure BodyHeight = new(L("8302-2", "Body Height"), "cm", 170, 10, 140, 200, 1);
    public static readonly Measure BodyWeight = new(L("29463-7", "Body Weight"), "kg", 78, 15, 40, 160, 1);
    public static readonly Measure HeartRate = new(L("8867-4", "Heart rate"), "/min", 74, 10, 50, 120, 0);
    public static readonly Measure RespiratoryRate = new(L("9279-1", "Respiratory rate"), "/min", 15, 2, 10, 24, 0);
    public static readonly Measure Systolic = new(L("8480-6", "Systolic Blood Pressure"), "mm[Hg]", 120, 12, 90, 190, 0);
    public static readonly Measure Diastolic = new(L("8462-4", "Diastolic Blood Pressure"), "mm[Hg]", 78, 8, 55, 120, 0);
    public static readonly Code BloodPressurePanel = L("85354-9", "Blood pressure panel with all children optional");
    public static readonly Code Bmi = L("39156-5", "Body mass index (BMI) [Ratio]");
    public static readonly Code SmokingStatus = L("72166-2", "Tobacco smoking status");

    public static readonly Measure[] Labs =
    [
        new(L("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"), "%", 5.8, 0.8, 4.2, 11, 1),
        new(L("2339-0", "Glucose [Mass/volume] in Blood"), "mg/dL", 95, 15, 60, 300, 1),
        new(L("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma"), "mg/dL", 190, 30, 110, 320, 1),
        new(L("2571-8", "Triglycerides [Mass/volume] in Serum or Plasma"), "mg/dL", 140, 40, 50, 400, 1),
        new(L("2160-0", "Creatinine [Mass/volume] in Blood"), "mg/dL", 1.0, 0.2, 0.5, 2.5, 2),
        new(L("718-7", "Hemoglobin [Mass/volume] in Blood"), "g/dL", 14, 1.3, 9, 18, 1),
    ];

    public static readonly Code[] SmokingStatuses =
    [
        S("266919005", "Never smoked tobacco (finding)"),
        S("8517006", "Ex-smoker (finding)"),
        S("449868002", "Smokes tobacco daily (finding)"),
    ];

    public static readonly Code Influenza = C("140", "Influenza, seasonal, injectable, preservative free");

    /// <summary>Childhood and adult vaccines with the age in years they are given at.</summary>
    public static readonly (Code Vaccine, int Age)[] Schedule =
    [
        (C("08", "Hep B, adolescent or pediatric"), 0),
        (C("20", "DTaP"), 1),
        (C("10", "IPV"), 1),
        (C("49", "Hib (PRP-OMP)"), 1),
        (C("03", "MMR"), 1),
        (C("21", "varicella"), 1),
        (C("83", "Hep A, ped/adol, 2 dose"), 2),
        (C("20", "DTaP"), 4),
        (C("03", "MMR"), 5),
        (C("62", "HPV, quadrivalent"), 11),
        (C("114", "meningococcal MCV4P"), 11),
        (C("115", "Tdap"), 12),
        (C("113", "Td (adult) preservative free"), 25),
        (C("113", "Td (adult) preservative free"), 35),
        (C("113", "Td (adult) preservative free"), 45),
        (C("121", "zoster"), 60),
        (C("133", "Pneumococcal conjugate PCV 13"), 65),
    ];

    public static readonly Code MedicationReconciliation = S("430193006", "Medication Reconciliation (procedure)");
    public static readonly Code DepressionScreening = S("171207006", "Depression screening (procedure)");
    public static readonly Code NeedsAssessment = S("710824005", "Assessment of health and social care needs (procedure)");

    public static readonly (Code Code, string Category, double Prevalence)[] Allergies =
    [
        (S("91936005", "Allergy to penicillin"), "medication", 0.05),
        (S("300916003", "Latex allergy"), "environment", 0.03),
        (S("232350006", "House dust mite allergy"), "environment", 0.08),
        (S("419474003", "Allergy to mould"), "environment", 0.05),
        (S("417532002", "Allergy to fish"), "food", 0.02),
        (S("300913006", "Shellfish allergy"), "food", 0.03),
        (S("91935009", "Allergy to peanuts"), "food", 0.02),
    ];

    public static readonly string[] MaleNames = ["James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Carlos", "Daniel", "Matthew", "Anthony", "Mark", "Luis", "Kevin", "Jamal", "Wei", "Arjun", "Omar"];
    public static readonly string[] FemaleNames = ["Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen", "Maria", "Nancy", "Lisa", "Ana", "Emily", "Aisha", "Mei", "Priya", "Fatima", "Sofia"];
    public static readonly string[] FamilyNames = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Nguyen", "Walker", "Hall", "Allen", "Young", "King", "Wright", "Scott", "Green"];
    public static readonly string[] Streets = ["Main St", "Oak Ave", "Maple Rd", "Cedar Ln", "Elm St", "Washington Blvd", "Lake Dr", "Hill Rd", "Park Ave", "Pine St"];
    public static readonly (string City, string Zip)[] Cities = [("Boston", "02108"), ("Worcester", "01601"), ("Springfield", "01103"), ("Cambridge", "02139"), ("Lowell", "01852"), ("Brockton", "02301"), ("Quincy", "02169"), ("Lynn", "01901"), ("Newton", "02458"), ("Somerville", "02143")];

    /// <summary>OMB race categories (CDC race codes) with shares close to Massachusetts'.</summary>
    public static readonly (string Code, string Display, double Share)[] Races =
    [
        ("2106-3", "White", 0.75), ("2054-5", "Black or African American", 0.08), ("2028-9", "Asian", 0.07),
        ("1002-5", "American Indian or Alaska Native", 0.005), ("2131-1", "Other", 0.095),
    ];

    public const double HispanicShare = 0.12;

    /// <summary>HL7 v3 marital status codes with their share among adults.</summary>
    public static readonly (string Code, string Display, double Share)[] MaritalStatuses =
    [
        ("M", "Married", 0.50), ("S", "Never Married", 0.32), ("D", "Divorced", 0.11), ("W", "Widowed", 0.07),
    ];

    public static readonly string[] OrganizationNames = ["General Hospital", "Community Health Center", "Family Practice", "Medical Group", "Primary Care Associates", "Health Clinic"];

    /// <summary>Payer-like Group names, as the public SMART sample server has.</summary>
    public static readonly string[] GroupNames = ["Blue Cross Blue Shield", "Medicare", "Medicaid", "Aetna", "UnitedHealthcare", "Humana", "Cigna", "Kaiser"];
}
