using CsCheck;
using FhirBulk.Storage;

namespace FhirBulk.Tests.Storage;

public class StorageLocationTests
{
    [Theory]
    [InlineData("s3://bucket", StorageKind.S3, "bucket", "", "s3://bucket/")]
    [InlineData("s3://my.bucket-1/exports/run1", StorageKind.S3, "my.bucket-1", "exports/run1/", "s3://my.bucket-1/exports/run1/")]
    [InlineData("s3://bucket/exports/run1/", StorageKind.S3, "bucket", "exports/run1/", "s3://bucket/exports/run1/")]
    [InlineData("S3://bucket/a", StorageKind.S3, "bucket", "a/", "s3://bucket/a/")]
    [InlineData("az://container/lake", StorageKind.AzureBlob, "container", "lake/", "az://container/lake/")]
    [InlineData("az://my-container", StorageKind.AzureBlob, "my-container", "", "az://my-container/")]
    [InlineData("https://acct1.blob.core.windows.net/data/exports", StorageKind.AzureBlob, "data", "exports/", "https://acct1.blob.core.windows.net/data/exports/")]
    [InlineData("https://ACCT1.blob.core.windows.net/data", StorageKind.AzureBlob, "data", "", "https://acct1.blob.core.windows.net/data/")]
    public void Parse_CloudUrl_KindContainerPrefixAndCanonicalForm(string text, StorageKind kind, string container, string prefix, string canonical)
    {
        var location = StorageLocation.Parse(text);

        Assert.Equal(kind, location.Kind);
        Assert.Equal(container, location.Container);
        Assert.Equal(prefix, location.Prefix);
        Assert.Equal(canonical, location.ToString());
        Assert.Null(location.Path);
    }

    [Fact]
    public void Parse_HttpsBlobUrl_TakesTheAccountFromTheHost()
    {
        var location = StorageLocation.Parse("https://acct1.blob.core.windows.net/data/exports");

        Assert.Equal("acct1", location.AzureAccount);
        Assert.Null(StorageLocation.Parse("az://data/exports").AzureAccount);
    }

    [Theory]
    [InlineData("relative/folder")]
    [InlineData("/tmp/exports/run1/")]
    [InlineData("file:///tmp/exports/run1")]
    public void Parse_LocalPathOrFileUrl_FullPathWithoutTrailingSeparator(string text)
    {
        var location = StorageLocation.Parse(text);

        Assert.Equal(StorageKind.Local, location.Kind);
        Assert.True(Path.IsPathFullyQualified(location.Path!));
        Assert.False(Path.EndsInDirectorySeparator(location.Path!));
        Assert.Equal(location.Path, location.ToString());
        Assert.Equal("", location.Prefix);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("gs://bucket/x", "unknown storage scheme 'gs://'")]
    [InlineData("s3://", "names no bucket")]
    [InlineData("s3:///prefix", "names no bucket")]
    [InlineData("s3://Bucket_Upper/x", "'Bucket_Upper' in 's3://Bucket_Upper/x' is not an S3 bucket name")]
    [InlineData("s3://ab/x", "'ab' in 's3://ab/x' is not an S3 bucket name")]
    [InlineData("az://my--container/x", "is not an Azure container name")]
    [InlineData("s3://bucket//x", "has an empty path segment")]
    [InlineData("s3://bucket/a/../b", "has a '.' or '..' segment")]
    [InlineData("https://example.com/data/x", "is not an Azure Blob URL")]
    [InlineData("https://acct1.blob.core.windows.net", "names no container")]
    public void Parse_Malformed_OneLineStorageExceptionSayingWhat(string text, string expected)
    {
        var failure = Assert.Throws<StorageException>(() => StorageLocation.Parse(text));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Theory]
    [InlineData("s3://AKIAEXAMPLE:wJalrXUtnFEMIK7MDENG@bucket/x", "wJalrXUtnFEMIK7MDENG")]
    [InlineData("https://acct1.blob.core.windows.net/data/x?sv=2024&sig=c2VjcmV0c2ln", "c2VjcmV0c2ln")]
    [InlineData("az://data/x?sig=c2VjcmV0c2ln", "c2VjcmV0c2ln")]
    public void Parse_CredentialInTheUrl_RefusedWithoutRepeatingIt(string text, string secret)
    {
        var failure = Assert.Throws<StorageException>(() => StorageLocation.Parse(text));

        Assert.Contains("must not carry credentials", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, failure.Location, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CanonicalForm_ParsesBackToTheSameLocation()
    {
        var segment = Gen.String[Gen.Char["abcdefghij0123456789-_."], 1, 8].Where(s => s is not ("." or ".."));
        var bucket = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 3, 20];
        Gen.Select(Gen.Bool.Select(b => b ? "s3" : "az"), bucket, segment.Array[0, 4])
            .Sample((scheme, name, segments) =>
            {
                var text = $"{scheme}://{name}/{string.Join('/', segments)}";
                var location = StorageLocation.Parse(text);
                return StorageLocation.Parse(location.ToString()).Equals(location)
                    && location.Prefix == (segments.Length == 0 ? "" : string.Join('/', segments) + "/");
            });
    }

    [Fact]
    public void Describe_ObjectName_UrlUnderThePrefix()
    {
        Assert.Equal("s3://bucket/exports/Patient.000.ndjson", StorageLocation.Parse("s3://bucket/exports").Describe("Patient.000.ndjson"));
        Assert.Equal(Path.Combine(Path.GetFullPath("/tmp/x"), "lake", "a.parquet"), StorageLocation.Parse("/tmp/x").Describe("lake/a.parquet"));
    }

    [Fact]
    public void Combine_Folder_NestedPrefixOrSubfolder()
    {
        Assert.Equal("az://data/exports/tables/", StorageLocation.Parse("az://data/exports").Combine("tables/").ToString());
        Assert.Equal("s3://bucket/lake/Patient/", StorageLocation.Parse("s3://bucket").Combine("lake/Patient").ToString());
        Assert.Equal(Path.Combine(Path.GetFullPath("/tmp/x"), "tables"), StorageLocation.Parse("/tmp/x").Combine("tables").Path);
        Assert.Throws<StorageException>(() => StorageLocation.Parse("s3://bucket/a").Combine("../b"));
    }
}
