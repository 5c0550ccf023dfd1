namespace Gateway.Proxy.Configuration;

/// <summary>
/// Where the tenants' <c>file:</c> credentials lie (section <c>Gateway:Credentials</c>, docs/connectors.md): read before
/// the container exists (the connectors' registration takes it), validated by <see cref="GatewayCredentialsOptionsValidator"/>.
/// </summary>
public sealed class GatewayCredentialsOptions
{
    public const string SectionName = "Gateway:Credentials";

    /// <summary><c>Gateway:Credentials:Root</c>: an absolute path; unset, <c>file:</c> credentials are refused.</summary>
    public string? Root { get; set; }
}
