using System.Runtime.CompilerServices;
using Gateway.Policy;

namespace Gateway.Proxy.Execution;

/// <summary>
/// Maps a policy catalog entry to the connectors library's runtime definition. Entries are immutable
/// and live as long as their policy snapshot, so each mapping is computed once per entry.
/// </summary>
internal static class ConnectorDefinitions
{
    private static readonly ConditionalWeakTable<CatalogEntry, Connectors.ConnectorDefinition> Cache = [];

    public static Connectors.ConnectorDefinition For(CatalogEntry entry) => Cache.GetValue(entry, Map);

    /// <summary>The connector's definition with the decision's reduced form applied (degrade).</summary>
    public static Connectors.ConnectorDefinition Degraded(CatalogEntry entry, DegradeSpec spec) => For(entry) with
    {
        DegradeMode = Map(spec.Mode),
        RouteModel = spec.Route?.Model ?? entry.Degrade?.Route?.Model,
        RouteMaxTokens = spec.Route?.MaxTokens ?? entry.Degrade?.Route?.MaxTokens,
    };

    private static Connectors.ConnectorDefinition Map(CatalogEntry entry)
    {
        var defaults = new Connectors.ConnectorDefinition { Name = entry.Name, Kind = Connectors.ConnectorKind.Http };
        return new Connectors.ConnectorDefinition
        {
            Name = entry.Name,
            Kind = entry.Kind switch
            {
                ConnectorKind.OpenAI => Connectors.ConnectorKind.OpenAI,
                ConnectorKind.Anthropic => Connectors.ConnectorKind.Anthropic,
                ConnectorKind.Http => Connectors.ConnectorKind.Http,
                ConnectorKind.Webhook => Connectors.ConnectorKind.Webhook,
                ConnectorKind.Mcp => Connectors.ConnectorKind.Mcp,
                ConnectorKind.McpTool => Connectors.ConnectorKind.McpTool,
                _ => Connectors.ConnectorKind.Context,
            },
            Upstream = entry.Upstream,
            CredentialReference = entry.Credential is { Source: not SecretSource.None } credential
                ? (credential.Source == SecretSource.File ? "file:" + (credential.ResolvedPath ?? credential.Name) : credential.ToString())
                : null,
            AuthScheme = entry.Auth.IsBearer ? Connectors.AuthScheme.Bearer
                : string.Equals(entry.Auth.HeaderName, "x-api-key", StringComparison.OrdinalIgnoreCase) ? Connectors.AuthScheme.ApiKey
                : Connectors.AuthScheme.Header(entry.Auth.HeaderName),
            MaxRequestBytes = entry.Limits.MaxRequestBytes ?? defaults.MaxRequestBytes,
            MaxResponseBytes = entry.Limits.MaxResponseBytes ?? defaults.MaxResponseBytes,
            Timeout = entry.Limits.Timeout ?? defaults.Timeout,
            DegradeMode = Connectors.DegradeMode.None,
            RouteModel = entry.Degrade?.Route?.Model,
            RouteMaxTokens = entry.Degrade?.Route?.MaxTokens,
            Http = entry.Http is { } http
                ? new Connectors.HttpBinding(http.Method, http.Path, http.Args == ArgumentLocation.Query ? Connectors.ArgsLocation.Query : Connectors.ArgsLocation.Body)
                : null,
            McpTool = entry.Kind == ConnectorKind.McpTool && entry.Connector is not null && entry.McpTool is not null
                ? new Connectors.McpToolBinding(entry.Connector, entry.McpTool)
                : null,
        };
    }

    private static Connectors.DegradeMode Map(DegradeMode mode) => mode switch
    {
        DegradeMode.Redact => Connectors.DegradeMode.Redact,
        DegradeMode.ReadOnly => Connectors.DegradeMode.ReadOnly,
        DegradeMode.DryRun => Connectors.DegradeMode.DryRun,
        DegradeMode.Mask => Connectors.DegradeMode.Redact,
        _ => Connectors.DegradeMode.Route,
    };
}
