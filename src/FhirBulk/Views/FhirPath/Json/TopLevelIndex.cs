using System.Runtime.InteropServices;
using FhirBulk.Ndjson;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// Where each top-level member of a resource sits in its bytes, found in one pass when the resource is first read and
/// shared by every expression of every view of its type: a path then starts at its member without rescanning the line.
/// </summary>
internal sealed class TopLevelIndex
{
    // A resource read for one view only is indexed into this thread's own index, which lives until the next one.
    [ThreadStatic]
    private static TopLevelIndex? ThreadIndex;

    private Member[] _members = new Member[32];
    private int _count;

    // The source's own table of the members (TopLevelMembers), used in place of _members when the line has one.
    private ReadOnlyMemory<byte> _table;

    private TopLevelIndex()
    {
    }

    /// <summary>The members, in the order they are written.</summary>
    public ReadOnlySpan<Member> Members => _table.IsEmpty ? _members.AsSpan(0, _count) : MemoryMarshal.Cast<byte, Member>(_table.Span);

    /// <summary>Whether any member is a primitive's <c>_x</c> twin (its name starts with <c>_</c>).</summary>
    public bool HasTwins { get; private set; }

    /// <summary>Indexes the object <paramref name="json"/> holds, into a new index.</summary>
    /// <exception cref="System.Text.Json.JsonException">The bytes are not a JSON object.</exception>
    public static TopLevelIndex Build(ReadOnlySpan<byte> json)
    {
        var index = new TopLevelIndex();
        index.Fill(json);
        return index;
    }

    /// <summary>Indexes the resource <paramref name="line"/> holds, into a new index.</summary>
    /// <exception cref="System.Text.Json.JsonException">The bytes are not a JSON object.</exception>
    public static TopLevelIndex Build(ResourceLine line)
    {
        var index = new TopLevelIndex();
        index.Fill(line);
        return index;
    }

    /// <summary>
    /// Indexes the resource <paramref name="line"/> holds into this thread's index, which the next call on this thread
    /// overwrites: for a resource that one view evaluates and nothing keeps.
    /// </summary>
    /// <exception cref="System.Text.Json.JsonException">The bytes are not a JSON object.</exception>
    public static TopLevelIndex BuildForThisThread(ResourceLine line)
    {
        var index = ThreadIndex ??= new TopLevelIndex();
        index.Fill(line);
        return index;
    }

    // From the table the source's scan made while judging the line, when it has one (most do): the bytes are not read
    // again. Otherwise by walking them.
    private void Fill(ResourceLine line)
    {
        var json = line.Json.Span;
        _table = TopLevelMembers.BytesFor(line);
        if (!_table.IsEmpty)
        {
            _count = 0;
            HasTwins = false;
            foreach (var member in Members)
            {
                HasTwins |= IsTwin(json, member.NameStart, member.NameEnd);
            }

            return;
        }

        Fill(json);
    }

    private void Fill(ReadOnlySpan<byte> json)
    {
        _count = 0;
        HasTwins = false;
        var at = JsonText.SkipWhitespace(json, 0);
        if (at >= json.Length || json[at] != (byte)'{')
        {
            throw new System.Text.Json.JsonException("a resource must be a JSON object");
        }

        at++;
        while (JsonText.NextMember(json, ref at, out var nameStart, out var nameEnd, out var valueStart, out var valueEnd))
        {
            if (_count == _members.Length)
            {
                Array.Resize(ref _members, _members.Length * 2);
            }

            _members[_count++] = new Member(nameStart, nameEnd, valueStart, valueEnd);
            HasTwins |= IsTwin(json, nameStart, nameEnd);
        }
    }

    // A name starting with '_' is a primitive's twin (FHIR R4 JSON §2.6.2.2: its id and extensions).
    private static bool IsTwin(ReadOnlySpan<byte> json, int nameStart, int nameEnd) => nameEnd > nameStart && json[nameStart] == (byte)'_';

    /// <summary>One member: its raw name's span (without quotes) and its value's span.</summary>
    public readonly record struct Member(int NameStart, int NameEnd, int ValueStart, int ValueEnd);
}
