// The FHIR Bulk Data workshop, step by step, in C# with the FhirBulk library.
//
// The workshop notebook connects to a Bulk Data server, gets an access token, kicks off an export,
// polls it, downloads the files, turns them into DataFrames and answers three research questions.
// This file does the same, one step per section. Run it from this folder:
//
//   dotnet run walkthrough.cs                      # offline, against the embedded server
//   dotnet run walkthrough.cs -- --server URL --client-id ID --key private-key.pem [--kid KID]
//   dotnet run walkthrough.cs -- --server URL         # an open server (fhir-bulk serve --no-auth): no credentials
//
// (A .NET 10 file-based app rather than a notebook: see README.md in this folder for why.)
#:project ../../src/FhirBulk/FhirBulk.csproj
#:project ../../src/FhirBulk.Server/FhirBulk.Server.csproj
#:property PublishAot=false

using System.Runtime.CompilerServices;
using System.Text.Json;
using FhirBulk.Auth;
using FhirBulk.Export;
using FhirBulk.Ndjson;
using FhirBulk.Server;
using FhirBulk.Sinks.DataFrames;
using FhirBulk.Tables;
using FhirBulk.Views.Workshop;
using FhirBulk.Workshop;
using Microsoft.Data.Analysis;

var options = ParseArguments(args);
var output = Path.GetFullPath(options.GetValueOrDefault("--out") ?? Path.Combine(Path.GetTempPath(), "fhir-bulk-walkthrough"));
if (Directory.Exists(output))
{
    Directory.Delete(output, recursive: true);
}

// ---------------------------------------------------------------------------------------------
// Setup: a server and credentials.
// The workshop uses the public SMART sandbox and a key generated on its launch page. Offline, we
// start our own server and register a fresh key through its dev registration endpoint, the same
// form POST the sandbox's launch page makes. Real credentials are loaded from a file, never typed in.
// ---------------------------------------------------------------------------------------------
BulkDataServer? server = null;
Uri serverUrl;
string? clientId = null;
ClientSigningKey? key = null;
if (options.TryGetValue("--server", out var givenServer))
{
    serverUrl = new Uri(givenServer);
    // Without --client-id the server is taken to be open (Bulk Data without SMART): no token is asked for.
    if (options.TryGetValue("--client-id", out var givenClientId))
    {
        if (!options.TryGetValue("--key", out var keyFile))
        {
            Console.Error.WriteLine("error: --client-id needs --key FILE (the client's private key in PEM); leave both out for an open server.");
            return 2;
        }

        clientId = givenClientId;
        key = ClientSigningKey.Load(keyFile, options.GetValueOrDefault("--kid"));
    }
}
else
{
    server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 50, Seed = 1 });
    serverUrl = server.BaseUri;
    var pair = KeyGenerator.Generate("RS384");
    using var http = new HttpClient();
    using var registration = await http.PostAsync(server.RegistrationEndpoint, new FormUrlEncodedContent([new("jwks", pair.PublicJwks)]));
    clientId = await registration.EnsureSuccessStatusCode().Content.ReadAsStringAsync();
    key = ClientSigningKey.FromPem(pair.PrivateKeyPem, pair.KeyId);
    Console.WriteLine($"Started the embedded server at {serverUrl} and registered client {clientId}.");
}

// One client per server: it discovers the token endpoint, signs assertions, caches and renews
// tokens, retries what is transient and keeps TLS verification on.
using var client = new BulkDataClient(serverUrl, new BulkDataClientOptions
{
    Credentials = key is null ? null : new BulkDataCredentials(clientId!, key, "system/*.read"),
});

// ---------------------------------------------------------------------------------------------
Section("1. Discovery: the CapabilityStatement and the SMART configuration");
// The workshop's first cells: GET [base]/metadata and [base]/.well-known/smart-configuration.
// ---------------------------------------------------------------------------------------------
var capability = await client.GetCapabilityStatementAsync();
Console.WriteLine($"Server software: {capability.GetProperty("software").GetProperty("name")}, FHIR {capability.GetProperty("fhirVersion")}");
var smart = await client.GetSmartConfigurationAsync();
Console.WriteLine($"Token endpoint: {smart?.TokenEndpoint?.ToString() ?? "none (an open server)"}");
Console.WriteLine($"Signing algorithms: {string.Join(", ", smart?.SigningAlgorithms ?? [])}");
var summary = await client.GetServerSummaryAsync();
Console.WriteLine($"Export levels: {string.Join(", ", summary.ExportLevels)}");

// ---------------------------------------------------------------------------------------------
Section("2. Access token");
// The workshop builds a JWT by hand (iss = sub = client_id, aud = token endpoint, exp <= 5 min,
// signed RS384 with the kid) and posts it. The client does exactly that on the first request that
// needs a token, adds a unique jti, renews the token before it expires and once on a 401.
// Listing the server's Groups is such a request.
// ---------------------------------------------------------------------------------------------
var groups = new List<GroupInfo>();
await foreach (var group in client.ListGroupsAsync())
{
    groups.Add(group);
}

Console.WriteLine(key is null
    ? $"An open server: no token needed; it lists {groups.Count} group(s)."
    : $"Authenticated as {clientId} with a {key.Algorithm} assertion (kid {key.KeyId}); the server lists {groups.Count} group(s).");

// ---------------------------------------------------------------------------------------------
Section("3. Kick-off");
// GET [base]/Patient/$export?_type=Patient,Condition with Accept: application/fhir+json and
// Prefer: respond-async; the server answers 202 with the status URL in Content-Location.
// ---------------------------------------------------------------------------------------------
var operation = await client.StartExportAsync(new ExportRequest
{
    Level = ExportLevel.Patient,
    Types = ["Patient", "Condition"],
});
Console.WriteLine($"Status URL: {operation.StatusUrl}");

// ---------------------------------------------------------------------------------------------
Section("4. Polling");
// 202 means "still working" (X-Progress says how far, Retry-After how long to wait); 200 carries
// the manifest. operation.WaitForCompletionAsync() does this loop for you, with backoff.
// ---------------------------------------------------------------------------------------------
var status = await operation.UpdateStatusAsync();
while (!status.IsComplete)
{
    Console.WriteLine($"In progress: {status.Progress ?? "(no X-Progress)"}; waiting {status.RetryAfter?.TotalSeconds ?? 1} s");
    await Task.Delay(status.RetryAfter ?? TimeSpan.FromSeconds(1));
    status = await operation.UpdateStatusAsync();
}

var manifest = status.Manifest!;
Console.WriteLine($"Complete: transactionTime {manifest.TransactionTime}, {manifest.Output.Count} file(s), {manifest.Error.Count} error file(s)");

// ---------------------------------------------------------------------------------------------
Section("5. Download");
// Each file is streamed to disk (never held in memory), checked line by line, counted and hashed.
// The bearer token is sent only when the manifest says requiresAccessToken.
// ---------------------------------------------------------------------------------------------
var firstExport = Path.Combine(output, "patient-condition");
var download = await client.DownloadAsync(manifest, firstExport);
foreach (var file in download.Files)
{
    Console.WriteLine($"{file.FileName,-28} {file.Resources,7:N0} resources {file.Bytes,10:N0} bytes  sha256 {file.Sha256?[..12]}…");
}

await operation.DeleteAsync(); // the server may free the files now

// ---------------------------------------------------------------------------------------------
Section("6. Tables");
// The workshop's get_dataframes(): Patient with four FHIRPath columns; Condition, which has no
// mapping, flattened into one column per leaf (code_coding_0_code, ...).
// ---------------------------------------------------------------------------------------------
var tables = new FhirTables();
var patientColumns = new List<WorkshopColumn>
{
    ("id", "identifier[0].value"),
    ("gender", "gender"),
    ("date_of_birth", "birthDate"),
    ("marital_status", "maritalStatus.coding.first().code"),
};
var frames = new DataFrameSink();
await tables.ReprocessAsync(
    NdjsonSource.FromFolder(firstExport),
    new Dictionary<string, IReadOnlyList<WorkshopColumn>> { ["Patient"] = patientColumns },
    frames);
Show("patient", frames.Tables["patient"]);
var conditions = frames.Tables["condition"];
Console.WriteLine($"condition: {conditions.Rows.Count} rows x {conditions.Columns.Count} flattened columns, e.g. {string.Join(", ", conditions.Columns.Take(6).Select(c => c.Name))}");

// ---------------------------------------------------------------------------------------------
Section("7. Group export");
// EHRs usually offer Group-level export (it is what ONC g(10) requires). Pick a group from the
// listing above and let one call do kick-off, polling, download, verification and clean-up, with
// its state saved in the folder so an interrupted export can be resumed.
// ---------------------------------------------------------------------------------------------
var chosen = groups.OrderByDescending(g => g.MemberCount ?? 0).First();
Console.WriteLine($"Group {chosen.Id}: {chosen.Name} ({chosen.MemberCount} members)");
var groupExport = await client.ExportToDirectoryAsync(
    new ExportRequest { Level = ExportLevel.Group, GroupId = chosen.Id, Types = ["Patient", "Condition"] },
    Path.Combine(output, "group"));
Console.WriteLine($"Group export: {groupExport.TotalResources:N0} resources ({string.Join(", ", groupExport.ResourcesByType.Select(t => $"{t.Key} {t.Value}"))}) in {groupExport.Duration.TotalSeconds:0.0} s");

// ---------------------------------------------------------------------------------------------
Section("8. Example resource");
// "Try adding Observation": export it too, then look at one to write FHIRPaths against
// (the workshop's get_example_resource).
// ---------------------------------------------------------------------------------------------
var observationFolder = Path.Combine(output, "observation");
await client.ExportToDirectoryAsync(new ExportRequest { Types = ["Patient", "Observation"] }, observationFolder);
var example = await tables.GetExampleResourceAsync(NdjsonSource.FromFolder(observationFolder), "Observation");
using (var document = JsonDocument.Parse(example!.Json))
{
    var pretty = JsonSerializer.Serialize(document.RootElement, new JsonSerializerOptions { WriteIndented = true });
    Console.WriteLine(string.Join('\n', pretty.Split('\n').Take(18)) + "\n  ...");
}

// ---------------------------------------------------------------------------------------------
Section("9. Re-processing");
// New columns over the files already on disk, without downloading again (the workshop's
// reprocess_dataframes), then only smoking status observations (LOINC 72166-2).
// ---------------------------------------------------------------------------------------------
var reprocessed = new DataFrameSink();
await tables.ReprocessAsync(
    NdjsonSource.FromFolder(observationFolder),
    new Dictionary<string, IReadOnlyList<WorkshopColumn>>
    {
        ["Patient"] = patientColumns,
        ["Observation"] =
        [
            ("id", "id"),
            ("patient", "subject.reference"),
            ("type", "code.coding.first().code"),
            ("type_display", "code.coding.first().display"),
            // The workshop writes valueCodeableConcept (a fhirpath.js shorthand); FHIRPath proper
            // reaches a choice element through value and ofType().
            ("code", "value.ofType(CodeableConcept).coding.first().code"),
            ("code_display", "value.ofType(CodeableConcept).coding.first().display"),
        ],
    },
    reprocessed);
var observations = reprocessed.Tables["observation"];
var smoking = observations.Filter(observations["type"].ElementwiseEquals("72166-2"));
Show("observation where type = 72166-2", smoking);

// ---------------------------------------------------------------------------------------------
Section("10. Research questions");
// The workshop's closing exercise, answered with the ViewDefinitions in views/ and the SQL in
// queries/ (the same files 'fhir-bulk demo' uses): tables into DuckDB and Parquet, then SQL.
// ---------------------------------------------------------------------------------------------
var researchExport = Path.Combine(output, "research");
await client.ExportToDirectoryAsync(
    new ExportRequest { Types = ["Patient", "Condition", "Encounter", "Immunization", "MedicationRequest", "Observation"] },
    researchExport);
var workshop = WorkshopDefinition.FromDirectory(HereDirectory());
var result = await new WorkshopAnalysis().RunAsync(NdjsonSource.FromFolder(researchExport), workshop, Path.Combine(output, "tables"));
var answers = result.Answers;
Console.WriteLine($"Patients who ever received an influenza vaccine: {answers.FluVaccinatedPatients}");
Console.WriteLine("Five most common conditions (first diagnosis per patient):");
foreach (var condition in answers.TopConditions)
{
    Console.WriteLine($"  {condition.Patients,5}  {condition.Display} ({condition.Code})");
}

Console.WriteLine($"Most common medication: {answers.TopMedication?.Display} ({answers.TopMedication?.Requests} requests), prescribed in:");
foreach (var type in answers.EncounterTypes)
{
    Console.WriteLine($"  {type.Count,5}  {type.Display} ({type.Code})");
}

Console.WriteLine($"Tables: {result.DatabasePath} and {result.ParquetFiles.Count} Parquet files.");

if (server is not null)
{
    await server.DisposeAsync();
}

key?.Dispose();
return 0;

static void Section(string title) => Console.WriteLine($"\n== {title} ==");

static void Show(string name, DataFrame frame)
{
    // DataFrame.ToString() pads to a fixed width, which long FHIR ids overflow; size columns to fit.
    Console.WriteLine($"{name}: {frame.Rows.Count} rows");
    var head = frame.Head(5);
    var cells = head.Rows.Select(row => row.Select(value => value?.ToString() ?? "").ToArray()).ToList();
    var widths = head.Columns.Select((column, i) => Math.Max(column.Name.Length, cells.Select(row => row[i].Length).DefaultIfEmpty(0).Max())).ToArray();
    Console.WriteLine(string.Join("  ", head.Columns.Select((column, i) => column.Name.PadRight(widths[i]))));
    foreach (var row in cells)
    {
        Console.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))));
    }
}

static string HereDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

static Dictionary<string, string> ParseArguments(string[] args)
{
    var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        parsed[args[i]] = args[i + 1];
    }

    return parsed;
}
