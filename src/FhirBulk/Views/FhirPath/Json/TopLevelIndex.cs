namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// Where each top-level member of a resource sits in its bytes, found in one pass when the resource is first read and
/// shared by every expression of every view of its type: a path then starts at its member without rescanning the line.
/// </summary>
internal sealed class TopLevelIndex
{
    private readonly List<Member> _members;

    private TopLevelIndex(List<Member> members) => _members = members;

    /// <summary>The members, in the order they are written.</summary>
    public ReadOnlySpan<Member> Members => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_members);

    /// <summary>Indexes the object <paramref name="json"/> holds.</summary>
    /// <exception cref="System.Text.Json.JsonException">The bytes are not a JSON object.</exception>
    public static TopLevelIndex Build(ReadOnlySpan<byte> json)
    {
        var at = JsonText.SkipWhitespace(json, 0);
        if (at >= json.Length || json[at] != (byte)'{')
        {
            throw new System.Text.Json.JsonException("a resource must be a JSON object");
        }

        at++;
        var members = new List<Member>(24);
        while (JsonText.NextMember(json, ref at, out var nameStart, out var nameEnd, out var valueStart, out var valueEnd))
        {
            members.Add(new Member(nameStart, nameEnd, valueStart, valueEnd));
        }

        return new TopLevelIndex(members);
    }

    /// <summary>One member: its raw name's span (without quotes) and its value's span.</summary>
    public readonly record struct Member(int NameStart, int NameEnd, int ValueStart, int ValueEnd);
}
