namespace Gateway.Connectors.Executors;

/// <summary>
/// The host's single entry point: dispatches a call to the executor of the connector's kind
/// (<see cref="HttpConnectorExecutor"/>, <see cref="WebhookExecutor"/>, <see cref="ModelConnectorExecutor"/>,
/// <see cref="McpToolExecutor"/>, <see cref="ContextExecutor"/>).
/// </summary>
public sealed class ConnectorExecutor : IConnectorExecutor
{
    private readonly HttpConnectorExecutor _http;
    private readonly WebhookExecutor? _webhook;
    private readonly ModelConnectorExecutor _model;
    private readonly McpToolExecutor _mcpTool;
    private readonly ContextExecutor _context;

    public ConnectorExecutor(HttpConnectorExecutor http, WebhookExecutor? webhook, ModelConnectorExecutor model, McpToolExecutor mcpTool, ContextExecutor context)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _webhook = webhook;
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _mcpTool = mcpTool ?? throw new ArgumentNullException(nameof(mcpTool));
        _context = context ?? throw new ArgumentNullException(nameof(context));
    }

    /// <inheritdoc/>
    public ValueTask<ConnectorResult> ExecuteAsync(ConnectorDefinition connector, ConnectorCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connector);
        IConnectorExecutor executor = connector.Kind switch
        {
            ConnectorKind.Http => _http,
            ConnectorKind.Webhook => _webhook ?? throw new InvalidOperationException("Webhook connectors need the gateway service key; none is configured."),
            ConnectorKind.OpenAI or ConnectorKind.Anthropic => _model,
            ConnectorKind.McpTool => _mcpTool,
            ConnectorKind.Context => _context,
            _ => throw new ConnectorArgumentException($"connector '{connector.Name}' of kind {connector.Kind} is reached through the transparent route, not a governed action."),
        };
        return executor.ExecuteAsync(connector, call, cancellationToken);
    }
}
