using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FhirBulk.Tests.Support;

/// <summary>
/// Source-generated metadata for the values tests write into JSON inputs: the test host runs without reflection-based
/// serialization, as the Native AOT tool does.
/// </summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class TestJson : JsonSerializerContext
{
    /// <summary>Multi-byte characters written as they are, not as \u escapes; control characters escaped, as JSON requires.</summary>
    public static TestJson Unescaped { get; } = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
