using System.CommandLine;
using FhirBulk.Export;

namespace FhirBulk.Cli.Commands;

/// <summary>
/// The options that say what to export, shared by <c>export</c> and <c>sync</c> (which sets <c>_since</c> itself): the
/// level, the group, the types, filters, elements and patients, and how to kick off.
/// </summary>
internal sealed class ExportRequestOptions
{
    public Option<string> Level { get; } = new Option<string>("--level")
    {
        Description = "Export level: system (/$export), patient (/Patient/$export) or group (/Group/ID/$export).",
        DefaultValueFactory = _ => "patient",
    }.AcceptOnlyFromAmong("system", "patient", "group");

    public Option<string?> Group { get; } = new("--group")
    {
        Description = "Group id for a group-level export ('fhir-bulk groups' lists them). Implies --level group.",
        HelpName = "ID",
    };

    public Option<string?> Type { get; } = new("--type")
    {
        Description = "Resource types to export, comma separated (_type), e.g. Patient,Condition.",
        HelpName = "T1,T2",
    };

    public Option<string[]> TypeFilter { get; } = new("--type-filter")
    {
        Description = "A FHIR search to filter one type (_typeFilter), e.g. 'Observation?code=72166-2'. Repeatable.",
        HelpName = "FILTER",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Elements { get; } = new("--elements")
    {
        Description = "Only these elements of each resource (_elements), comma separated.",
        HelpName = "E1,E2",
    };

    public Option<string[]> Patient { get; } = new("--patient")
    {
        Description = "Only this patient: an id (123, sent as Patient/123) or a Patient reference (Patient/123); the 'patient' parameter, sent by POST. Repeatable.",
        HelpName = "ID|Patient/ID",
    };

    public Option<bool> Post { get; } = new("--post")
    {
        Description = "Kick off with POST and a Parameters body instead of GET.",
    };

    public Option<bool> Lenient { get; } = new("--lenient")
    {
        Description = "Ask the server to ignore parameters it does not support (Prefer: handling=lenient).",
    };

    /// <summary>Every option, in the order help lists them.</summary>
    public IReadOnlyList<Option> All => [Level, Group, Type, TypeFilter, Elements, Patient, Post, Lenient];

    /// <summary>Whether the command line gave any of these options.</summary>
    public Option? FirstGiven(ParseResult parseResult) => All.FirstOrDefault(o => parseResult.GetResult(o) is { Implicit: false });

    /// <summary>The request the options describe, without <c>_since</c> and <c>_until</c>.</summary>
    /// <exception cref="CliException">The options conflict (a usage error).</exception>
    public ExportRequest Create(ParseResult parseResult)
    {
        var group = parseResult.GetValue(Group);
        var level = group is not null ? ExportLevel.Group : parseResult.GetValue(Level) switch
        {
            "system" => ExportLevel.System,
            "group" => throw new CliException("--level group needs --group ID ('fhir-bulk groups' lists them).", ExitCodes.Usage),
            _ => ExportLevel.Patient,
        };
        if (group is not null && parseResult.GetResult(Level) is { Implicit: false } && parseResult.GetValue(Level) != "group")
        {
            throw new CliException($"--group is a group-level export; it conflicts with --level {parseResult.GetValue(Level)}.", ExitCodes.Usage);
        }

        var patients = (parseResult.GetValue(Patient) ?? []).Select(PatientReference).ToArray();
        if (level == ExportLevel.System && patients.Length > 0)
        {
            // The Bulk Data IG defines the patient parameter for Patient- and Group-level kick-offs only.
            throw new CliException("--patient applies to patient- and group-level exports, not --level system.", ExitCodes.Usage);
        }

        var types = List(parseResult.GetValue(Type));
        if (types.Select(ExportRequest.MisspeltType).FirstOrDefault(problem => problem is not null) is { } misspelt)
        {
            throw new CliException($"--type: {misspelt}.", ExitCodes.Usage);
        }

        return new ExportRequest
        {
            Level = level,
            GroupId = group,
            Types = types,
            TypeFilters = parseResult.GetValue(TypeFilter) ?? [],
            Elements = List(parseResult.GetValue(Elements)),
            Patients = patients,
            UsePost = parseResult.GetValue(Post),
            Lenient = parseResult.GetValue(Lenient),
        };
    }

    /// <exception cref="CliException">A reference to another resource type, or nothing (a usage error).</exception>
    private static string PatientReference(string patient)
    {
        try
        {
            return ExportRequest.PatientReference(patient);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--patient: {ErrorText.WithoutParameter(e)}", ExitCodes.Usage, e);
        }
    }

    private static string[] List(string? commaSeparated) =>
        commaSeparated?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
