using FhirBulk.Auth;
using FhirBulk.Export;

// Usage: FhirBulk.ExportChild <fhirBaseUrl> <clientId> <keyFile> <directory>
// Starts an export into <directory>, or resumes the one saved there; exit 0 when every file is on disk.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: FhirBulk.ExportChild <fhirBaseUrl> <clientId> <keyFile> <directory>");
    return 2;
}

var (baseUrl, clientId, keyFile, directory) = (new Uri(args[0]), args[1], args[2], args[3]);
using var key = ClientSigningKey.Load(keyFile);
using var client = new BulkDataClient(baseUrl, new BulkDataClientOptions
{
    Credentials = new BulkDataCredentials(clientId, key),
    InitialRetryDelay = TimeSpan.FromMilliseconds(10),
    MaxRetryDelay = TimeSpan.FromMilliseconds(100),
    MinPollInterval = TimeSpan.FromMilliseconds(20),
    MaxPollInterval = TimeSpan.FromMilliseconds(100),
});

// Resuming a finished export is a no-op that returns its summary, so a kill after the last file is harmless.
var result = File.Exists(Path.Combine(directory, ".fhir-bulk-state.json"))
    ? await client.ResumeExportAsync(directory)
    : await client.ExportToDirectoryAsync(new ExportRequest(), directory);
Console.WriteLine($"{result.Files.Count} files, {result.TotalResources} resources, {result.TotalBytes} bytes");
return 0;
