using System.Text.Json.Serialization;

namespace Gateway.Proxy.People.Links;

/// <summary>
/// A person's linked account at a <c>per_person</c> connector's upstream, as held (encrypted) in the state store: the
/// tokens the upstream's authorization server issued, when the access token expires, the upstream account's subject and
/// when it was linked, and what the person consented to (<see cref="Binding"/>). <see cref="LinkId"/> tells one link from a later one; <see cref="Stored"/> one state of a link from
/// another (a refresh never writes over a revocation, a newer link or another refresh). The tokens are never logged,
/// recorded or answered; <see cref="ToString"/> leaves them out.
/// </summary>
internal sealed record LinkedAccount
{
    public required string LinkId { get; init; }

    public required string AccessToken { get; init; }

    public string? RefreshToken { get; init; }

    /// <summary>When the access token expires; null when the server did not say (used until the upstream refuses it).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The upstream account's subject (the server's ID token's <c>sub</c>, or a JWT access token's), when known.</summary>
    public string? UpstreamSubject { get; init; }

    /// <summary>The scopes granted, as the server answered them.</summary>
    public string? Scope { get; init; }

    public required DateTimeOffset LinkedAt { get; init; }

    /// <summary>
    /// The authorization server, client, upstream and resource the link was made for; null in a link stored (or refreshed)
    /// by a version that did not record it, which is bound to the connector's settings at its next use (trust on first use).
    /// </summary>
    public LinkBinding? Binding { get; init; }

    /// <summary>
    /// The ciphertext this was read from (null when not read from the store): a refresh's write, and a refused refresh's
    /// unlink, happen only while the store still holds exactly it (<see cref="LinkedAccounts.ReplaceAsync"/>). Never serialized.
    /// </summary>
    [JsonIgnore]
    public string? Stored { get; init; }

    /// <summary>Never a token.</summary>
    public override string ToString() => $"LinkedAccount {{ LinkId = {LinkId}, UpstreamSubject = {UpstreamSubject}, ExpiresAt = {ExpiresAt:O} }}";
}
