using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.People;

/// <summary><c>Gateway:Person</c>: how the tenants' OpenID providers are read and a person's token is checked.</summary>
internal sealed class PersonOptions
{
    public const string Section = "Gateway:Person";

    /// <summary>How long a provider's discovery document and keys are used before they are fetched again.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan KeysRefresh { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The least time between two fetches caused by a token signed with a key the gateway does not know (the provider
    /// rotated its keys): bounds how often tokens with made-up key ids can make the gateway call the provider.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan UnknownKeyRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long keys fetched earlier are still used when the provider cannot be reached; past it, a person's token is
    /// refused (503 <c>person_provider_unavailable</c>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxKeysStaleness { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Clock skew allowed on a person's token's <c>exp</c> and <c>nbf</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one call to a provider (discovery, keys, token exchange) may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan ProviderTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A person-scoped upstream token is used until this long before it expires, then exchanged again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan ExchangedTokenMargin { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a person's provider refresh token, kept for a <c>per_person</c> connector's token exchange, is kept at most
    /// (less when the provider says its <c>refresh_expires_in</c>): KeptProviderTokens.
    /// </summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan ProviderRefreshTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The most <see cref="MaxTokenLength"/> may be set to; the server's header limit leaves room for it.</summary>
    public const int LongestTokenLength = 65_536;

    /// <summary>The longest <c>X-Gamut-Person</c> header accepted, in characters.</summary>
    [Range(256, LongestTokenLength)]
    public int MaxTokenLength { get; set; } = 16_384;
}
