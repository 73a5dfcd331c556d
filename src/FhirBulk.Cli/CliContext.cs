using FhirBulk.Ndjson;
using FhirBulk.Storage;
using Microsoft.Extensions.Logging;
using FhirBulk.Cli.Rendering;
using Spectre.Console;

namespace FhirBulk.Cli;

/// <summary>
/// Everything a command touches outside its arguments: the consoles, the environment and the
/// clock. Program.cs builds one from the real process; tests build one over Spectre's
/// TestConsole and a dictionary, so every command runs end to end without a terminal.
/// </summary>
internal sealed class CliContext
{
    public CliContext(
        IAnsiConsole output,
        IAnsiConsole? error = null,
        Func<string, string?>? environment = null,
        bool liveProgress = false,
        TimeProvider? timeProvider = null,
        Func<Stream>? openStandardOutput = null,
        Func<Stream>? openStandardInput = null)
    {
        OpenStandardOutput = openStandardOutput ?? Console.OpenStandardOutput;
        OpenStandardInput = openStandardInput ?? Console.OpenStandardInput;
        Out = output;
        Error = error ?? output;
        Environment = environment ?? (_ => null);
        LiveProgress = liveProgress;
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Where results go (tables, JSON).</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Where errors and warnings go (stderr for the real process).</summary>
    public IAnsiConsole Error { get; }

    /// <summary>Reads an environment variable; <see langword="null"/> when unset.</summary>
    public Func<string, string?> Environment { get; }

    /// <summary>
    /// <see langword="true"/> on an interactive terminal: progress is drawn as live bars.
    /// Otherwise (a pipe, a log file, CI) progress is written as plain lines.
    /// </summary>
    public bool LiveProgress { get; }

    /// <summary>Opens stdout as bytes, for output streamed past the console (<c>view --out -</c>).</summary>
    public Func<Stream> OpenStandardOutput { get; }

    /// <summary>Opens stdin as bytes, for NDJSON read from a pipe (<c>--input -</c>).</summary>
    public Func<Stream> OpenStandardInput { get; }

    /// <summary>The clock every wait and timestamp uses.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>
    /// The NDJSON an <c>--input</c> names: a folder, a file, stdin for <c>-</c>, or the objects at an object-store URL
    /// (<c>s3://bucket/prefix</c>, <c>az://container/prefix</c>, <c>https://ACCOUNT.blob.core.windows.net/…</c>), read in
    /// place with the cloud's own credential chain; dispose the result when the command is done with it.
    /// </summary>
    public async Task<InputSource> OpenInputAsync(string path, NdjsonSourceOptions? options, ObjectStoreOptions? storeOptions, CancellationToken cancellationToken)
    {
        if (path == "-")
        {
            return new InputSource(OpenInput(path, options), null);
        }

        if (StoreLocation("--input", path) is not { } location)
        {
            return new InputSource(OpenInput(path, options), null);
        }

        var store = ObjectStore.Create(location, storeOptions);
        try
        {
            return new InputSource(await NdjsonSource.OpenAsync(store, options, cancellationToken).ConfigureAwait(false), store);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The object-store location an option's value names (<c>s3://…</c>, <c>az://…</c>, <c>https://ACCOUNT.blob…</c>), or
    /// <see langword="null"/> for a local path.
    /// </summary>
    /// <exception cref="StorageException">The value has a scheme but is no location: something with a scheme is never a local
    /// name, and a malformed one (or one carrying a secret) is refused by the parser, whose message does not repeat the
    /// secret, rather than echoed back as a file not found.</exception>
    public static StorageLocation? StoreLocation(string option, string path)
    {
        if (!StorageLocation.TryParse(path, out var location, out var error))
        {
            return path.Contains("://", StringComparison.Ordinal) ? throw new StorageException(option, $"{option}: {error}") : null;
        }

        return location.Kind == StorageKind.Local ? null : location;
    }

    /// <summary>The NDJSON an <c>--input</c> names: a folder, a file, or stdin for <c>-</c>.</summary>
    public NdjsonSource OpenInput(string path, NdjsonSourceOptions? options = null) =>
        path == "-" ? NdjsonSource.FromStream(OpenStandardInput(), "stdin", options) : NdjsonSource.Open(path, options);

    /// <summary>The logger factory for one command run: warnings only, debug with <c>--verbose</c>, on the error console.</summary>
    public ILoggerFactory CreateLoggerFactory(bool verbose) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning)
        // stderr keeps logs out of --json output and of piped tables.
        .AddProvider(new ConsoleLoggerProvider(Error, verbose)));
}

/// <summary>An opened <c>--input</c>: the source, and the object store it reads from (disposed with it), if any.</summary>
internal sealed class InputSource(NdjsonSource source, ObjectStore? store) : IDisposable
{
    public NdjsonSource Source { get; } = source;

    public void Dispose() => store?.Dispose();
}
