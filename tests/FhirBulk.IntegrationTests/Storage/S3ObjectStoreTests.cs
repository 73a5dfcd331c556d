using System.Collections.Concurrent;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>The S3 store against a real S3 server (s3rver on 127.0.0.1), through AWSSDK.S3 as in production.</summary>
public sealed class S3ObjectStoreTests(S3rver s3rver) : IClassFixture<S3rver>
{
    // s3rver's built-in account; any other key id is refused with 403, which the error tests use.
    internal const string AccessKey = "S3RVER";
    internal const string SecretKey = "S3RVER";

    public ConcurrentQueue<(HttpMethod Method, string PathAndQuery)> Requests { get; } = new();

    public CollectingLoggerFactory Logs { get; } = new();

    [S3rverFact]
    public Task WriteAsync_ObjectOfSeveralParts_ReadsBackByteForByte() => StoreContract.MultiPartObjectReadsBackByteForByte(CreateSut());

    [S3rverFact]
    public Task WriteAsync_SmallAndEmptyObjects_ReadBackByteForByte() => StoreContract.SmallAndEmptyObjectsReadBackByteForByte(CreateSut());

    [S3rverFact]
    public Task Write_SynchronousCallsOverSeveralParts_ReadBackByteForByte() => StoreContract.SynchronousWritesReadBackByteForByte(CreateSut());

    [S3rverFact]
    public async Task GetPropertiesAsync_SeveralMissingObjects_ChecksTheBucketOnce()
    {
        var store = CreateSut();

        foreach (var name in (string[])["a.ndjson", "b.ndjson", "c.ndjson"])
        {
            Assert.Null(await store.GetPropertiesAsync(name));
        }

        Assert.Equal(3, Requests.Count(r => r.Method == HttpMethod.Head));
        Assert.Equal(1, Requests.Count(r => r.Method == HttpMethod.Get && r.PathAndQuery.Contains("list-type=2", StringComparison.Ordinal)));
    }

    [S3rverFact]
    public Task WriteAsync_ExistingName_ReplacesTheObject() => StoreContract.WriteReplacesAnExistingObject(CreateSut());

    [S3rverFact]
    public Task MoveAsync_OverAnExistingObject_ReplacesItAndRemovesTheSource() => StoreContract.MoveReplacesTheDestinationAndRemovesTheSource(CreateSut());

    [S3rverFact]
    public Task ListAsync_Prefix_FindsObjectsUnderItAtEveryDepthOnly() => StoreContract.ListingUnderAPrefixFindsObjectsAtEveryDepthOnly(CreateSut());

    [S3rverFact]
    public Task OpenReadAsync_FromOffset_ReadsTheRestOfTheObject() => StoreContract.RangeReadFromAnOffsetReadsTheRest(CreateSut());

    [S3rverFact]
    public Task OpenWrite_BeforeCommit_ObjectIsInvisible() => StoreContract.ObjectIsInvisibleUntilCommitted(CreateSut());

    [S3rverFact]
    public Task DeleteAsync_ExistingThenMissing_RemovesAndTolerates() => StoreContract.DeleteRemovesAndToleratesMissing(CreateSut());

    [S3rverFact]
    public Task GetPropertiesAsync_MissingObject_NullAndOpenFailsNamingIt() => StoreContract.MissingObjectIsNullAndFailsToOpenNamingIt(CreateSut());

    [S3rverFact]
    public async Task WriteAsync_CancelledAfterTwoParts_NoVisibleObjectAndTheMultipartUploadIsAborted()
    {
        await StoreContract.CancelledWriteLeavesNoVisibleObject(CreateSut());

        Assert.Equal(2, Requests.Count(r => r.Method == HttpMethod.Put && r.PathAndQuery.Contains("partNumber=", StringComparison.Ordinal)));
        Assert.DoesNotContain(Requests, r => r.Method == HttpMethod.Post && r.PathAndQuery.Contains("uploadId=", StringComparison.Ordinal));
        Assert.Single(Requests, r => r.Method == HttpMethod.Delete && r.PathAndQuery.Contains("uploadId=", StringComparison.Ordinal));
    }

    [S3rverFact]
    public async Task DisposeWithoutCommit_AfterAPart_AbortsTheMultipartUpload()
    {
        await StoreContract.AbandonedWriterLeavesNoVisibleObject(CreateSut());

        Assert.Single(Requests, r => r.Method == HttpMethod.Delete && r.PathAndQuery.Contains("uploadId=", StringComparison.Ordinal));
    }

    [S3rverFact]
    public async Task DisposeWithoutCommit_AbortRefusedByTheServer_LoggedAsWarningNotThrown()
    {
        // s3rver 3.7.1 implements neither AbortMultipartUpload (405) nor ListMultipartUploads (501): the failure to clean up
        // must not replace the failure being reported, and must be visible.
        await StoreContract.AbandonedWriterLeavesNoVisibleObject(CreateSut());

        Assert.Contains(Logs.Messages, m => m.StartsWith("Warning 302 Could not abort the unfinished upload of s3://", StringComparison.Ordinal));
    }

    [S3rverFact]
    public async Task ListPendingUploadsAsync_ServerWithoutTheOperation_StorageExceptionWithStatus()
    {
        var failure = await Assert.ThrowsAsync<StorageException>(async () => await CreateSut().ListPendingUploadsAsync().ToListAsync());

        Assert.Equal(HttpStatusCode.NotImplemented, failure.StatusCode);
        Assert.Equal("NotImplemented", failure.ErrorCode);
    }

    [S3rverFact]
    public async Task ListAsync_MissingBucket_StorageExceptionWith404TheUrlAndHowToCreateIt()
    {
        var store = CreateSut(bucket: "no-such-bucket");

        var failure = await Assert.ThrowsAsync<StorageException>(async () => await store.ListAsync().ToListAsync());

        Assert.Equal(HttpStatusCode.NotFound, failure.StatusCode);
        Assert.Equal("NoSuchBucket", failure.ErrorCode);
        Assert.StartsWith("s3://no-such-bucket/", failure.Location, StringComparison.Ordinal);
        Assert.Equal(failure.Location, failure.RequestUri!.ToString());
        Assert.Contains("s3://no-such-bucket/", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith($"; the bucket must exist first (fhir-bulk does not create it): create it, e.g. aws s3 mb s3://no-such-bucket --endpoint-url {s3rver.Endpoint}", failure.Message, StringComparison.Ordinal);
    }

    [S3rverFact]
    public async Task GetPropertiesAsync_MissingBucket_ThrowsRatherThanReportingNoObject()
    {
        var failure = await Assert.ThrowsAsync<StorageException>(() => CreateSut(bucket: "no-such-bucket").GetPropertiesAsync("Patient.000.ndjson"));

        Assert.Equal("NoSuchBucket", failure.ErrorCode);
    }

    [S3rverFact]
    public async Task WriteAsync_UnknownAccessKey_StorageExceptionWith403AndNoSecretInTheMessage()
    {
        // s3rver knows one key pair; it refuses another key id (it does not check this SDK's signatures, so a wrong secret
        // alone would pass there), which is the 403 a revoked or foreign key gets from S3.
        const string secret = "wrong-secret-d41d8cd98f00b204e980";
        var store = Create(s3rver, S3rver.Bucket, "AKIAUNKNOWNKEY000000", secret, StoreContract.PartSize, Requests, Logs);

        var failure = await Assert.ThrowsAsync<StorageException>(() => store.WriteAsync("x.ndjson", new MemoryStream([1])));

        Assert.Equal(HttpStatusCode.Forbidden, failure.StatusCode);
        Assert.Equal("InvalidAccessKeyId", failure.ErrorCode);
        Assert.DoesNotContain(secret, failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Logs.Messages, m => m.Contains(secret, StringComparison.Ordinal));
    }

    [S3rverFact]
    public async Task GetPropertiesAsync_UnknownAccessKey_RefusalExplainedWithoutTheSdkBoilerplate()
    {
        // A HEAD answer has no body, so S3 sends no error message: the SDK's stand-in only repeats the status.
        const string secret = "wrong-secret-d41d8cd98f00b204e980";
        var store = Create(s3rver, S3rver.Bucket, "AKIAUNKNOWNKEY000000", secret, StoreContract.PartSize, Requests, Logs);

        var failure = await Assert.ThrowsAsync<StorageException>(() => store.GetPropertiesAsync("x.ndjson"));

        Assert.Equal(HttpStatusCode.Forbidden, failure.StatusCode);
        Assert.Equal(
            $"{store.Describe("x.ndjson")}: S3 answered 403 {failure.ErrorCode}; the credentials from the AWS chain were refused or lack permission for {store.Location}",
            failure.Message);
        Assert.DoesNotContain(secret, failure.ToString(), StringComparison.Ordinal);
    }

    [S3rverFact]
    public async Task WriteAsync_UnknownAccessKey_KeepsTheServicesOwnMessageBeforeTheExplanation()
    {
        var store = Create(s3rver, S3rver.Bucket, "AKIAUNKNOWNKEY000000", "wrong-secret", StoreContract.PartSize, Requests, Logs);

        var failure = await Assert.ThrowsAsync<StorageException>(() => store.WriteAsync("x.ndjson", new MemoryStream([1])));

        Assert.Matches(@"S3 answered 403 InvalidAccessKeyId: .+; the credentials from the AWS chain were refused or lack permission for s3://", failure.Message);
    }

    [Fact]
    public void Config_CustomEndpoint_PathStyleSignedForTheDefaultRegionWithoutTrailingChecksums()
    {
        var config = S3ObjectStore.Config(new ObjectStoreOptions { S3Endpoint = new Uri("http://127.0.0.1:9000"), S3ForcePathStyle = true });

        Assert.Equal("http://127.0.0.1:9000/", config.ServiceURL);
        Assert.True(config.ForcePathStyle);
        Assert.Equal(StorageDefaults.S3EndpointRegion, config.AuthenticationRegion);
        Assert.Equal(RequestChecksumCalculation.WHEN_REQUIRED, config.RequestChecksumCalculation);
    }

    [Fact]
    public void Config_Aws_RegionFromOptionsAndTheSdkDefaultChecksums()
    {
        var config = S3ObjectStore.Config(new ObjectStoreOptions { S3Region = "eu-west-1" });

        Assert.Equal("eu-west-1", config.RegionEndpoint.SystemName);
        Assert.Null(config.ServiceURL);
        Assert.False(config.ForcePathStyle);
        Assert.Equal(RequestChecksumCalculation.WHEN_SUPPORTED, config.RequestChecksumCalculation);
    }

    /// <summary>A store on a fresh prefix of the emulator's bucket, with s3rver's fixed key and every request recorded.</summary>
    internal S3ObjectStore CreateSut(string bucket = S3rver.Bucket) => Create(s3rver, bucket, AccessKey, SecretKey, StoreContract.PartSize, Requests, Logs);

    internal static S3ObjectStore Create(S3rver s3rver, string bucket, string accessKey, string secret, int partSize, ConcurrentQueue<(HttpMethod, string)> requests, CollectingLoggerFactory logs)
    {
        var options = new ObjectStoreOptions { S3Endpoint = s3rver.Endpoint, S3ForcePathStyle = true, PartSize = partSize, LoggerFactory = logs }.Validated();
        var config = S3ObjectStore.Config(options);
        config.HttpClientFactory = new RecordingFactory(requests);
        config.MaxErrorRetry = 0;
        var location = StorageLocation.Parse($"s3://{bucket}/run-{Guid.NewGuid():N}/");
        return new S3ObjectStore(location, options, new AmazonS3Client(new BasicAWSCredentials(accessKey, secret), config), ownsClient: true);
    }

    private sealed class RecordingFactory(ConcurrentQueue<(HttpMethod, string)> requests) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(new Recorder(requests) { InnerHandler = new SocketsHttpHandler() });

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }

    private sealed class Recorder(ConcurrentQueue<(HttpMethod, string)> requests) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Enqueue((request.Method, request.RequestUri!.PathAndQuery));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
