namespace Gateway.Proxy.Refusals;

/// <summary>
/// What one problem says. <see cref="Type"/> and <see cref="Title"/> default to the gateway's
/// (<c>https://gateway.local/problems/{code}</c>, the status's reason phrase); a null
/// <see cref="Detail"/> is left out of the body.
/// </summary>
internal readonly record struct ProblemShape(
    int Status,
    string Code,
    string? Detail,
    string? Type,
    string? Title,
    string? Decision,
    ReadOnlyMemory<byte> ExplanationJson);
