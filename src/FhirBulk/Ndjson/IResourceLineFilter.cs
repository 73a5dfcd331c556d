namespace FhirBulk.Ndjson;

/// <summary>
/// A consumer's test of each judged resource line, made before the line is copied out of the read buffer: a line it
/// has no use for is counted through <see cref="PassedOver"/> instead of becoming a <see cref="ResourceLine"/>. The
/// view runner passes over the resources that no view could select (the views' <c>LinePrefilter</c>), which for the
/// workshop's smoking-status view is nine Observations in ten: their bytes are judged in place and never copied.
/// </summary>
internal interface IResourceLineFilter
{
    /// <summary>
    /// Whether the consumer wants the resource whose line is <paramref name="json"/>, already judged a resource of
    /// <paramref name="resourceType"/> (a type the read asked for). Called on any of the threads judging lines, so it
    /// must be thread-safe; the bytes are valid only during the call. <paramref name="mayHoldEscapes"/> is
    /// <see langword="false"/> only when the line certainly holds no JSON escape (<see cref="ResourceLineKey.MayHoldEscapes"/>).
    /// <paramref name="topLevelMembers"/> is where all the line's top-level members lie, as the scan recorded them (four
    /// ints each), or empty when the read did not record them or they did not fit.
    /// </summary>
    bool Wants(string resourceType, ReadOnlySpan<byte> json, bool mayHoldEscapes, ReadOnlySpan<int> topLevelMembers);

    /// <summary>
    /// Counts a resource <see cref="Wants"/> turned down. Called in reading order on the reading thread, which is the
    /// thread that hands resources out, so never at the same time as the consumer handles one.
    /// </summary>
    void PassedOver(string resourceType);
}
