namespace Gateway.Proxy.Forward;

/// <summary>
/// What a route kind's local destination answered (<see cref="ILocalDestination"/>), as an upstream's response is for a
/// forwarded request: the result Respond writes, the <c>Location</c> of what it created, and whether it must not be cached.
/// </summary>
/// <param name="Result">The answer.</param>
internal sealed record LocalAnswer(IResult Result)
{
    /// <summary>The <c>Location</c> of what the answer created; null for none.</summary>
    public string? Location { get; init; }

    /// <summary>The answer must not be cached (it carries a secret, a warrant or a fresh resource): <c>Cache-Control: no-store</c>.</summary>
    public bool NoStore { get; init; }
}
