using FhirBulk.Storage;

namespace FhirBulk.Cli.Commands;

/// <summary>
/// Refuses a <c>view</c> whose <c>--out</c> would overwrite its <c>--input</c> or land inside it: the table written over the
/// NDJSON it is read from (<c>--input pin.ndjson --out pin.ndjson</c> replaced the user's data and exited 0), a table
/// folder equal to the input's folder (where <c>patients.ndjson</c> would replace an input of that name), a DuckDB file or
/// lake inside an export folder (which a resume then refuses as files the export did not write). Checked before anything
/// is read, on the paths as the file system resolves them, so that <c>./x/../pin.ndjson</c> or a symbolic link to it is
/// caught too.
/// </summary>
internal static class ViewOutputOverlap
{
    // Deep enough for any sane chain of links; a cycle ends here instead of looping.
    private const int MaxLinks = 40;

    // Windows and macOS file systems are case-insensitive by default: PIN.ndjson is pin.ndjson there.
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Throws a usage error when the output overlaps the input.</summary>
    /// <param name="input">The <c>--input</c> value (<c>-</c> for stdin, which nothing can overwrite).</param>
    /// <param name="output">The <c>--out</c> value, or the default used.</param>
    /// <param name="outputIsFolder">Whether the output is a folder written into (csv, ndjson, the Parquet lake), not one file.</param>
    /// <exception cref="CliException">The two overlap (exit 2: the command line names one path for both).</exception>
    public static void Refuse(string input, string output, bool outputIsFolder)
    {
        if (input == "-" || output == "-")
        {
            return;
        }

        var inputStore = CliContext.StoreLocation("--input", input);
        var outputStore = CliContext.StoreLocation("--out", output);
        if (inputStore is not null || outputStore is not null)
        {
            if (inputStore is not null && outputStore is not null && inputStore.Kind == outputStore.Kind
                && Overlap(inputStore.ToString().TrimEnd('/'), outputStore.ToString().TrimEnd('/'), '/') is { } storeRelation)
            {
                throw Refusal(input, "location", output, storeRelation, outputIsFolder, via: null);
            }

            return;
        }

        var inputPath = Resolve(input);
        var outputPath = Resolve(output);
        var inputIsFolder = Directory.Exists(inputPath);
        if (!inputIsFolder && !File.Exists(inputPath))
        {
            // An input that is not there is reported as such by the read, not as a clash with --out.
            return;
        }

        if (Overlap(inputPath, outputPath, Path.DirectorySeparatorChar) is not { } relation
            || (relation != Relation.Same && !inputIsFolder && !outputIsFolder))
        {
            return;
        }

        var given = Path.GetFullPath(input);
        var via = string.Equals(given, inputPath, PathComparison) && string.Equals(Path.GetFullPath(output), outputPath, PathComparison)
            ? null
            : relation == Relation.Same ? inputPath : $"{outputPath} and {inputPath}";
        throw Refusal(input, inputIsFolder ? "folder" : "file", output, relation, outputIsFolder, via);
    }

    private enum Relation
    {
        Same,
        OutputInsideInput,
        InputInsideOutput,
    }

    private static Relation? Overlap(string input, string output, char separator) =>
        string.Equals(input, output, PathComparison) ? Relation.Same
        : output.StartsWith(input.TrimEnd(separator) + separator, PathComparison) ? Relation.OutputInsideInput
        : input.StartsWith(output.TrimEnd(separator) + separator, PathComparison) ? Relation.InputInsideOutput
        : null;

    // inputNoun: what the input is (file, folder, location), as the message names it.
    private static CliException Refusal(string input, string inputNoun, string output, Relation relation, bool outputIsFolder, string? via)
    {
        var resolved = via is null ? "" : relation == Relation.Same ? $" (both are {via})" : $" (as resolved: {via})";
        var harm = outputIsFolder
            ? "its tables would be written among the FHIR data they are read from, and could replace it"
            : "the table would replace the FHIR data it is read from";
        var what = relation switch
        {
            Relation.Same => $"--out {output} is the --input {inputNoun} {input}{resolved}: {harm}",
            Relation.OutputInsideInput =>
                $"--out {output} is inside the --input {inputNoun} {input}{resolved}: the tables would land among the FHIR data they are read from",
            _ => $"--input {input} is inside the --out {(outputIsFolder ? "folder" : "location")} {output}{resolved}: {harm}",
        };
        return new CliException($"{what}. Give --out a path outside the input.", ExitCodes.Usage);
    }

    /// <summary>
    /// The absolute path with every symbolic link along it followed, as far as the path exists (the rest, not made yet,
    /// as written): the file or folder the file system would open.
    /// </summary>
    private static string Resolve(string path, int links = 0)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget is null || links >= MaxLinks)
            {
                continue;
            }

            try
            {
                // The target may itself sit under a link: resolved again, from the top.
                if (info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                {
                    current = Resolve(target.FullName, links + 1);
                }
            }
            catch (IOException)
            {
                // A cycle of links: nothing can be written through it either, so the path as it stands will do.
            }
        }

        return current;
    }
}
