using System.Diagnostics;
using System.Globalization;

namespace FhirBulk.IntegrationTests.Support;

/// <summary>
/// A small tmpfs mounted for one test, to fill a disk for real: only where the machine allows mounting one (root with
/// CAP_SYS_ADMIN, as CI runs here); elsewhere <see cref="TmpfsFactAttribute"/> skips with the reason.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static string? SkipReason => Unavailable.Value;

    public static Tmpfs Mount(long bytes)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fhirbulk-tmpfs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", Size(bytes), "tmpfs", path);
        return new Tmpfs(path);
    }

    /// <summary>Grows (or shrinks) the disk in place, keeping its files: "freeing space".</summary>
    public void Resize(long bytes) => Run("mount", "-o", "remount," + Size(bytes), Path);

    /// <summary>Remounts the disk read-only, keeping its files: a folder nothing can be written into, even by root.</summary>
    public void MakeReadOnly() => Run("mount", "-o", "remount,ro", Path);

    public void Dispose()
    {
        Run("umount", Path);
        Directory.Delete(Path);
    }

    private static string Size(long bytes) => "size=" + bytes.ToString(CultureInfo.InvariantCulture);

    private static string? Probe()
    {
        try
        {
            using var probe = Mount(64 * 1024);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"cannot mount a tmpfs here to fill a disk ({e.Message}); run as root to test disk-full handling";
        }
    }

    private static void Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed: {error.Trim()}");
        }
    }
}

/// <summary>A fact that needs <see cref="Tmpfs"/>; skipped with the reason where no tmpfs can be mounted.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute() => Skip = Tmpfs.SkipReason;
}

/// <summary>A theory that needs <see cref="Tmpfs"/>; skipped with the reason where no tmpfs can be mounted.</summary>
public sealed class TmpfsTheoryAttribute : TheoryAttribute
{
    public TmpfsTheoryAttribute() => Skip = Tmpfs.SkipReason;
}
