using System.Net;
using FhirBulk.Export;
using FhirBulk.Http;

namespace FhirBulk.Tests.Export;

public class ExportCompletionsTests
{
    [Theory]
    [InlineData(ExportCompletion.AuthenticationFailed, typeof(AuthenticationException))]
    [InlineData(ExportCompletion.ServerFailed, typeof(FhirBulkException))]
    [InlineData(ExportCompletion.Cancelled, typeof(OperationCanceledException))]
    public void ExportCompletions_Exception_ClassifiesForExitCodes(ExportCompletion expected, Type type)
    {
        var exception = type == typeof(AuthenticationException)
            ? new AuthenticationException("x", "invalid_client", null, HttpStatusCode.Unauthorized, null)
            : (Exception)Activator.CreateInstance(type, "x")!;
        Assert.Equal(expected, ExportCompletions.From(exception));
    }
}
