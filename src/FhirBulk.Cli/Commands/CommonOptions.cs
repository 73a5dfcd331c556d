using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary>Options that mean the same on every command.</summary>
internal static class CommonOptions
{
    private const string VerboseName = "--verbose";
    /// <summary>The option that asks for a result, or a failure, as JSON.</summary>
    public const string JsonName = "--json";

    /// <summary>
    /// A fresh <c>--verbose</c> option for a root command, which every subcommand takes: debug logging on stderr, stack
    /// traces for unexpected errors.
    /// </summary>
    public static Option<bool> Verbose() => new(VerboseName, "-v")
    {
        Description = "Log what happens (HTTP calls, retries, timings) to stderr. Secrets are never logged.",
        Recursive = true,
    };

    /// <summary>Whether the command line gave the root command's <c>--verbose</c> (see <see cref="Verbose"/>).</summary>
    public static bool IsVerbose(ParseResult parseResult) => parseResult.GetValue<bool>(VerboseName);

    /// <summary>Whether the command has a <c>--json</c> option (see <see cref="Json"/>) and the command line gave it.</summary>
    public static bool IsJson(ParseResult parseResult) =>
        parseResult.CommandResult.Command.Options.Any(o => o.Name == JsonName && o is Option<bool>) && parseResult.GetValue<bool>(JsonName);

    /// <summary>A fresh <c>--json</c> option for a command that reports something.</summary>
    public static Option<bool> Json() => new(JsonName)
    {
        Description = "Print the result as one JSON document on stdout instead of tables and progress.",
    };

    /// <summary>
    /// <c>--s3-endpoint URL</c>: an S3-compatible server other than AWS (MinIO, Ceph, an emulator), addressed path-style.
    /// Credentials still come only from the AWS chain (environment, profile files, instance role).
    /// </summary>
    public static Option<Uri?> S3Endpoint() => new("--s3-endpoint")
    {
        Description = "An S3-compatible server for s3:// locations (MinIO, Ceph, a local emulator), addressed path-style. Credentials come from the AWS chain only.",
        HelpName = "URL",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                if (uri.UserInfo.Length == 0 && uri.Query.Length == 0)
                {
                    return uri;
                }

                // Credentials come from the AWS chain only, never from a command line (shell history, process lists);
                // the value is not repeated, as it may hold a secret.
                result.AddError("--s3-endpoint must not carry credentials or a query; credentials come from the AWS chain (see docs/storage.md)");
                return null;
            }

            result.AddError($"--s3-endpoint expects an http(s) URL, got '{text}'");
            return null;
        },
    };

    /// <summary>The store settings <see cref="S3Endpoint"/> gives, or <see langword="null"/> for the clouds' defaults.</summary>
    public static FhirBulk.Storage.ObjectStoreOptions? StoreOptions(Uri? s3Endpoint) =>
        s3Endpoint is null ? null : new FhirBulk.Storage.ObjectStoreOptions { S3Endpoint = s3Endpoint, S3ForcePathStyle = true };

    /// <summary>A fresh <c>--quiet</c> option for a command that shows progress.</summary>
    public static Option<bool> Quiet() => new("--quiet", "-q")
    {
        Description = "Show no progress (bars or progress lines); results, warnings and errors still appear.",
    };
}
