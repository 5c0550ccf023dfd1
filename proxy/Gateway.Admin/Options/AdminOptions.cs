namespace Gateway.Admin.Options;

/// <summary>Admin API authentication (<c>Gateway:Admin</c>).</summary>
public sealed record AdminOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Gateway:Admin";

    /// <summary>
    /// Lowercase or uppercase hex SHA-256 of a bootstrap token that authenticates as name
    /// <c>bootstrap</c> with role <c>admin</c>. Absent: no bootstrap token.
    /// </summary>
    public string? BootstrapTokenSha256 { get; init; }

    /// <summary>
    /// Failed admin authentications (unknown or revoked token) one source address may make per
    /// <see cref="FailedAuthWindow"/> before every admin call from it is refused with 429 and
    /// <c>Retry-After</c> until the window ends. Default 10.
    /// </summary>
    public int MaxFailedAuthPerWindow { get; init; } = 10;

    /// <summary>The window of <see cref="MaxFailedAuthPerWindow"/>. Default one minute.</summary>
    public TimeSpan FailedAuthWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Live (not revoked) admin tokens one tenant may hold, whoever issues them; an issue past it is refused with 409
    /// <c>token_limit_reached</c> until one is revoked. Operator tokens (no tenant) and seeded tokens do not count. Default 100.
    /// </summary>
    public int MaxLiveTokensPerTenant { get; init; } = 100;
}
