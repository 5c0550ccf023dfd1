namespace Gateway.Proxy.People.Links;

/// <summary>What may be shown of a linked account (admin API, the console's "Your connections", evidence): never a token.</summary>
internal sealed record LinkedAccountInfo(
    string PersonIssuer,
    string PersonSubject,
    string Connector,
    string? UpstreamSubject,
    DateTimeOffset LinkedAt,
    DateTimeOffset? ExpiresAt);
