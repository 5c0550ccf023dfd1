namespace Gateway.Connectors;

/// <summary>
/// The runtime view of one catalog entry. The host maps its policy catalog onto this record; every
/// component of this library works from it. Call <see cref="Validate"/> when loading a catalog.
/// </summary>
public sealed record ConnectorDefinition
{
    /// <summary>The catalog name (also the <c>{connector}</c> of the transparent route).</summary>
    public required string Name { get; init; }

    /// <summary>The kind of upstream.</summary>
    public required ConnectorKind Kind { get; init; }

    /// <summary>Absolute base URI of the upstream (for <see cref="ConnectorKind.McpTool"/>, may be omitted: the MCP connector's is used).</summary>
    public Uri? Upstream { get; init; }

    /// <summary><c>vault:&lt;name&gt;</c>, <c>env:&lt;VAR&gt;</c> or <c>file:&lt;path&gt;</c>; null for no credential.</summary>
    public string? CredentialReference { get; init; }

    /// <summary>How the credential is presented upstream.</summary>
    public AuthScheme AuthScheme { get; init; } = AuthScheme.Bearer;

    /// <summary>Largest request body accepted for this connector.</summary>
    public long MaxRequestBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest upstream response read; larger ones are cut off with <see cref="Executors.ResponseTooLargeException"/>.</summary>
    public long MaxResponseBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Upstream timeout; exceeded calls raise <see cref="Executors.ConnectorTimeoutException"/>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The catalog's degrade form for this connector (applied when the decision is <c>degrade</c>).</summary>
    public DegradeMode DegradeMode { get; init; } = DegradeMode.None;

    /// <summary>For <see cref="DegradeMode.Route"/>: the model requests are rewritten to.</summary>
    public string? RouteModel { get; init; }

    /// <summary>For <see cref="DegradeMode.Route"/>: the cap on max_tokens / max_completion_tokens / max_output_tokens.</summary>
    public int? RouteMaxTokens { get; init; }

    /// <summary>For <see cref="ConnectorKind.Http"/>: method, path template and where arguments go.</summary>
    public HttpBinding? Http { get; init; }

    /// <summary>For <see cref="ConnectorKind.McpTool"/>: the MCP connector and the tool name.</summary>
    public McpToolBinding? McpTool { get; init; }

    /// <summary>Every problem with this definition (empty when valid); all are collected, not just the first.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("name is required.");
        }

        var prefix = $"connector '{Name}': ";
        if (Upstream is null && !(Kind == ConnectorKind.McpTool && McpTool is not null))
        {
            errors.Add(prefix + "upstream is required.");
        }
        else if (Upstream is not null && (!Upstream.IsAbsoluteUri || (Upstream.Scheme != Uri.UriSchemeHttp && Upstream.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add(prefix + "upstream must be an absolute http or https URI.");
        }

        if (CredentialReference is not null && !Credentials.CredentialReference.TryParse(CredentialReference, out _, out var referenceError))
        {
            errors.Add(prefix + referenceError);
        }

        if (AuthScheme is null)
        {
            errors.Add(prefix + "auth scheme is required.");
        }

        if (MaxRequestBytes <= 0)
        {
            errors.Add(prefix + "max request bytes must be positive.");
        }

        if (MaxResponseBytes <= 0)
        {
            errors.Add(prefix + "max response bytes must be positive.");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(30))
        {
            errors.Add(prefix + "timeout must be between 0 and 30 minutes.");
        }

        if (DegradeMode == DegradeMode.Route)
        {
            if (Kind is not (ConnectorKind.OpenAI or ConnectorKind.Anthropic))
            {
                errors.Add(prefix + "degrade mode 'route' applies to model connectors only.");
            }

            if (string.IsNullOrWhiteSpace(RouteModel) && RouteMaxTokens is null)
            {
                errors.Add(prefix + "degrade mode 'route' needs a route model or a route max tokens.");
            }
        }

        if (RouteMaxTokens is <= 0)
        {
            errors.Add(prefix + "route max tokens must be positive.");
        }

        switch (Kind)
        {
            case ConnectorKind.Http when Http is null:
                errors.Add(prefix + "kind 'http' needs http.method and http.path_template.");
                break;
            case ConnectorKind.Http:
                if (string.IsNullOrWhiteSpace(Http.Method) || !Http.Method.All(char.IsAsciiLetter))
                {
                    errors.Add(prefix + "http.method must be an HTTP method name.");
                }

                var templateError = Http.PathTemplate is null ? "is required." : PathTemplate.Validate(Http.PathTemplate);
                if (templateError is not null)
                {
                    errors.Add(prefix + "http.path_template " + templateError);
                }

                break;
            case ConnectorKind.McpTool when McpTool is null || string.IsNullOrWhiteSpace(McpTool.ToolName) || string.IsNullOrWhiteSpace(McpTool.Connector):
                errors.Add(prefix + "kind 'mcp_tool' needs mcp_tool.connector and mcp_tool.tool_name.");
                break;
            default:
                break;
        }

        return errors;
    }
}
