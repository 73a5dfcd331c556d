namespace FhirBulk.Server.Export;

/// <summary>Which of the three kick-off endpoints was called.</summary>
internal enum ExportLevel
{
    System,
    Patient,
    Group,
}
