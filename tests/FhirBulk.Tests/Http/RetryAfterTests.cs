using System.Net;
using System.Net.Http.Headers;
using FhirBulk.Http;

namespace FhirBulk.Tests.Http;

public class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 17, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(2);

    [Fact]
    public void Parse_DeltaSeconds_ReturnsThatWait() =>
        Assert.Equal(TimeSpan.FromSeconds(7), RetryAfter.Parse(new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), Now, Min, Max));

    [Fact]
    public void Parse_HttpDate_ReturnsTimeUntilThatDate() =>
        Assert.Equal(TimeSpan.FromSeconds(30), RetryAfter.Parse(new RetryConditionHeaderValue(Now.AddSeconds(30)), Now, Min, Max));

    [Fact]
    public void Parse_HttpDateInThePast_ClampsToMinimumInsteadOfBusyLooping() =>
        Assert.Equal(Min, RetryAfter.Parse(new RetryConditionHeaderValue(Now.AddHours(-1)), Now, Min, Max));

    [Fact]
    public void Parse_AbsoluteEpochSentAsSeconds_ClampsToMaximum() =>
        Assert.Equal(Max, RetryAfter.Parse(new RetryConditionHeaderValue(TimeSpan.FromSeconds(1_764_000_000)), Now, Min, Max));

    [Fact]
    public void Parse_NoHeader_ReturnsNull()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Accepted);
        Assert.Null(RetryAfter.Parse(response, Now, Min, Max));
    }

    [Fact]
    public void Parse_FractionalSecondsTheTypedParserRefuses_ReadsThemRaw()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Accepted);
        response.Headers.TryAddWithoutValidation("Retry-After", "2.5");
        Assert.Equal(TimeSpan.FromSeconds(2.5), RetryAfter.Parse(response, Now, Min, Max));
    }

    [Fact]
    public void Parse_HttpDateHeaderText_IsUnderstood()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", Now.AddSeconds(45).ToString("r", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.FromSeconds(45), RetryAfter.Parse(response, Now, Min, Max));
    }
}
