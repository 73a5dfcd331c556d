using FhirBulk.IntegrationTests.Support;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>What a user sees when the AWS chain has no credentials at all: one line saying where they come from.</summary>
public sealed class StoreCredentialsCliTests(S3rver s3rver) : IClassFixture<S3rver>
{
    [S3rverFact]
    public async Task InspectCli_NoAwsCredentialsAnywhere_Exit3SayingWhereCredentialsComeFrom()
    {
        var empty = Directory.CreateTempSubdirectory("fhir-bulk-no-aws-");
        try
        {
            var result = await CliProcess.RunAsync(
                new Dictionary<string, string>
                {
                    ["AWS_ACCESS_KEY_ID"] = "",
                    ["AWS_SECRET_ACCESS_KEY"] = "",
                    ["AWS_SESSION_TOKEN"] = "",
                    ["AWS_PROFILE"] = "",
                    ["AWS_REGION"] = "us-east-1",
                    ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(empty.FullName, "credentials"),
                    ["AWS_CONFIG_FILE"] = Path.Combine(empty.FullName, "config"),
                    ["AWS_EC2_METADATA_DISABLED"] = "true",
                    ["HOME"] = empty.FullName,
                },
                "inspect", $"s3://{S3rver.Bucket}/nothing-here/", "--s3-endpoint", s3rver.Endpoint.ToString());

            Assert.True(result.ExitCode == 3, result.Output);
            Assert.Contains("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception 1 of", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
