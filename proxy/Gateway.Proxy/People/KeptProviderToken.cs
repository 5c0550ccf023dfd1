using System.Text.Json.Serialization;

namespace Gateway.Proxy.People;

/// <summary>
/// A person's provider tokens as kept (encrypted) for a <c>per_person</c> connector's token exchange: the ID token the
/// tenant's provider issued at sign-in (or at its last renewal), when it expires, and the refresh token that renews it
/// when the provider issued one. Never logged, recorded or answered; <see cref="ToString"/> leaves the tokens out.
/// </summary>
internal sealed record KeptProviderToken
{
    public required string IdToken { get; init; }

    public string? RefreshToken { get; init; }

    public required DateTimeOffset IdTokenExpires { get; init; }

    /// <summary>Never a token.</summary>
    public override string ToString() => $"KeptProviderToken {{ IdTokenExpires = {IdTokenExpires:O}, Renewable = {RefreshToken is not null} }}";
}

/// <summary>The tenant's provider's token endpoint answer, as the console's sign-in and a kept token's renewal read it.</summary>
internal sealed record ProviderTokenAnswer
{
    public string? IdToken { get; init; }

    public string? RefreshToken { get; init; }

    /// <summary>The refresh token's lifetime in seconds, where the provider says (Keycloak's <c>refresh_expires_in</c>).</summary>
    public long? RefreshExpiresIn { get; init; }

    /// <summary>Never a token.</summary>
    public override string ToString() => $"ProviderTokenAnswer {{ IdToken = {IdToken is not null}, RefreshToken = {RefreshToken is not null} }}";
}

/// <summary>The kept provider tokens' JSON (inside their envelopes) and the provider's token answers.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KeptProviderToken))]
[JsonSerializable(typeof(ProviderTokenAnswer))]
internal sealed partial class PeopleJsonContext : JsonSerializerContext;
