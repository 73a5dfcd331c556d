using System.Collections.Concurrent;

namespace FhirBulk.Server.Auth;

/// <summary>Assertion <c>jti</c> values seen so far, each kept until its assertion expires (RFC 7523 §3, item 7).</summary>
internal sealed class ReplayCache(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>Records a jti; false when it was already used by the same client.</summary>
    public bool TryUse(string clientId, string jti, DateTimeOffset expires)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (key, until) in _seen)
        {
            if (until < now)
            {
                _seen.TryRemove(key, out _);
            }
        }

        return _seen.TryAdd(string.Concat(clientId, "\n", jti), expires);
    }
}
