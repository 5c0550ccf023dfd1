namespace Gateway.Oversight.Options;

/// <summary>Admin API authentication (<c>Gateway:Admin</c>).</summary>
public sealed record AdminOptions
{
    /// <summary>
    /// Lowercase or uppercase hex SHA-256 of a bootstrap token that authenticates as name
    /// <c>bootstrap</c> with role <c>admin</c>. Absent: no bootstrap token.
    /// </summary>
    public string? BootstrapTokenSha256 { get; init; }
}
