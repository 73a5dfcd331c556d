using System.CommandLine;
using FhirBulk.Cli.Settings;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk export</c>: a complete, verified, resumable Bulk Data export to a folder.</summary>
internal static class ExportCommand
{
    private sealed class Options
    {
        public ConnectionOptions Connection { get; } = new();

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

        public Option<string?> Since { get; } = new("--since")
        {
            Description = "Only resources changed after this instant (_since), or 'auto' for the transactionTime of the previous export in --out.",
            HelpName = "INSTANT|auto",
        };

        public Option<string?> Until { get; } = new("--until")
        {
            Description = "Only resources changed before this instant (_until).",
            HelpName = "INSTANT",
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
            Description = "Only these patients (the 'patient' parameter; sent by POST). Repeatable.",
            HelpName = "ID",
        };

        public Option<bool> Post { get; } = new("--post")
        {
            Description = "Kick off with POST and a Parameters body instead of GET.",
        };

        public Option<bool> Lenient { get; } = new("--lenient")
        {
            Description = "Ask the server to ignore parameters it does not support (Prefer: handling=lenient).",
        };

        public Option<string?> Out { get; } = new("--out", "-o")
        {
            Description = "Output folder. Default: ./export-<timestamp>.",
            HelpName = "DIR",
        };

        public Option<int?> Parallel { get; } = new("--parallel")
        {
            Description = "Files downloaded at once. Default: 4.",
            HelpName = "N",
        };

        public Option<bool> Gzip { get; } = new("--gzip")
        {
            Description = "Keep the files gzip-compressed on disk (<Type>.<NNN>.ndjson.gz).",
        };

        public Option<bool> Strict { get; } = new("--strict")
        {
            Description = "Fail on the first line that is not JSON of the expected resourceType (default: count and report).",
        };

        public Option<string?> Resume { get; } = new("--resume")
        {
            Description = "Carry on an interrupted export in DIR: re-poll if the job was not done, fetch only what is missing.",
            HelpName = "DIR",
        };

        public Option<string?> Cancel { get; } = new("--cancel")
        {
            Description = "Cancel the server job of the export in DIR (DELETE on its status URL).",
            HelpName = "DIR",
        };

        public Option<bool> KeepJob { get; } = new("--keep-job")
        {
            Description = "Do not delete the job on the server after a complete download.",
        };

        public Option<bool> Json { get; } = CommonOptions.Json();

        public void AddTo(Command command)
        {
            Connection.AddTo(command);
            foreach (var option in new Option[]
                     {
                         Level, Group, Type, Since, Until, TypeFilter, Elements, Patient, Post, Lenient,
                         Out, Parallel, Gzip, Strict, Resume, Cancel, KeepJob, Json,
                     })
            {
                command.Options.Add(option);
            }
        }
    }

    public static Command Create(CliContext context)
    {
        var options = new Options();
        var command = new Command(
            "export",
            "Run a Bulk Data $export (Patient level by default) into a folder, with live progress, "
            + "verification, resume and a summary.");
        options.AddTo(command);
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
