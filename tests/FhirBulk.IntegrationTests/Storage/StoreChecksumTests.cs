using System.Collections.Concurrent;
using FhirBulk.Export;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>
/// An object damaged inside the store (one byte changed in s3rver's data folder): the SDK's checksum check fails while the
/// body is read. That was an AmazonClientException naming no object (exit 1); it is a <see cref="StorageException"/> naming
/// the object, and <c>inspect --verify</c> reports the file as damaged (exit 6).
/// </summary>
public sealed class StoreChecksumTests(S3rver s3rver) : IClassFixture<S3rver>, IAsyncLifetime
{
    private ServerHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [S3rverFact]
    public async Task S3Read_ObjectDamagedInTheStore_StorageExceptionNamingTheObjectWithChecksumMismatch()
    {
        using var store = CreateStore();
        await store.WriteAsync("Patient.000.ndjson", new MemoryStream(new byte[1000]));
        Damage(store, "Patient.000.ndjson");

        var failure = await Assert.ThrowsAsync<StorageException>(async () =>
        {
            await using var content = await store.OpenReadAsync("Patient.000.ndjson");
            await content.CopyToAsync(Stream.Null);
        });

        Assert.Equal(ObjectStore.ChecksumMismatch, failure.ErrorCode);
        Assert.Equal(store.Describe("Patient.000.ndjson"), failure.Location);
        Assert.Contains(store.Describe("Patient.000.ndjson"), failure.Message, StringComparison.Ordinal);
    }

    [S3rverFact]
    public async Task InspectCliVerify_S3ObjectDamagedInTheStore_Exit6WithADamagedLine()
    {
        using var store = CreateStore();
        var victim = await ExportAndDamageAPatientFileAsync(store);

        var result = await CliProcess.RunAsync(
            S3Environment(),
            "inspect", store.Location.ToString(), "--verify", "--s3-endpoint", s3rver.Endpoint.ToString());

        Assert.True(result.ExitCode == 6, result.Output);
        Assert.Contains("damaged:", result.Output, StringComparison.Ordinal);
        Assert.Contains(victim, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AmazonClientException", result.Output, StringComparison.Ordinal);
        Assert.Contains("delete the object, then resume to fetch it again", result.Output, StringComparison.Ordinal);
        Assert.Contains("after the objects damaged inside the store are deleted, 'fhir-bulk export --resume", result.Output, StringComparison.Ordinal);
    }

    [S3rverFact]
    public async Task ViewCli_S3InputObjectDamagedInTheStore_Exit5NamingTheObject()
    {
        using var store = CreateStore();
        var victim = await ExportAndDamageAPatientFileAsync(store);
        var output = Directory.CreateTempSubdirectory("fhirbulk-checksum-").FullName;

        try
        {
            var result = await CliProcess.RunAsync(
                S3Environment(), "view", "--input", store.Location.ToString(), "--s3-endpoint", s3rver.Endpoint.ToString(), "--view", CliProcess.WorkshopViews, "--format", "csv", "--out", output);

            Assert.True(result.ExitCode == 5, result.Output);
            Assert.Contains(store.Describe(victim), result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("AmazonClientException", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private S3ObjectStore CreateStore() =>
        S3ObjectStoreTests.Create(s3rver, S3rver.Bucket, S3ObjectStoreTests.AccessKey, S3ObjectStoreTests.SecretKey, StoreContract.PartSize, new ConcurrentQueue<(HttpMethod, string)>(), _harness.Logs);

    /// <summary>Exports to the store, then damages one Patient file in it; returns its name.</summary>
    private async Task<string> ExportAndDamageAPatientFileAsync(ObjectStore store)
    {
        using (var client = _harness.CreateClient())
        {
            await client.ExportToStoreAsync(new ExportRequest(), store);
        }

        var victim = await store.ListAsync().Select(o => o.Name).FirstAsync(n => n.StartsWith("Patient.", StringComparison.Ordinal) && n.EndsWith(".ndjson", StringComparison.Ordinal));
        Damage(store, victim);
        return victim;
    }

    private static Dictionary<string, string> S3Environment() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = S3ObjectStoreTests.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3ObjectStoreTests.SecretKey,
        ["AWS_REGION"] = "us-east-1",
    };

    /// <summary>Changes one byte of the object as s3rver keeps it on disk, leaving its size and recorded checksum alone.</summary>
    private void Damage(ObjectStore store, string name)
    {
        var file = Path.Combine(s3rver.DataFolder, S3rver.Bucket, store.Location.Prefix + name + "._S3rver_object");
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = Math.Min(100, stream.Length - 1);
        var old = stream.ReadByte();
        stream.Position--;
        stream.WriteByte((byte)(old ^ 0x5A));
    }
}
