using System.Diagnostics;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The gateway's own <see cref="ActivitySource"/> (<c>Gateway</c>) and the names of its spans. The
/// span names are part of the contract in docs/observability.md: never rename one.
/// </summary>
public static class GatewayActivitySource
{
    /// <summary>The source name the tracer provider subscribes to.</summary>
    public const string Name = "Gateway";

    /// <summary>One span per request: kind Server, child of ASP.NET Core's request activity.</summary>
    public const string RequestSpan = "gateway.request";

    /// <summary>Prefix of the store spans, named <c>gateway.store &lt;operation&gt;</c> (kind Client).</summary>
    public const string StoreSpan = "gateway.store";

    /// <summary>
    /// A run's start (<c>POST /v1/runs</c>), kind Internal, in the run's own trace (a child of the run's span,
    /// <see cref="RunTrace"/>) and linked to the request that started it; absent when the agent's traceparent is the run's trace.
    /// </summary>
    public const string RunSpan = "gateway.run";

    /// <summary>The call to the connector's upstream (tool API, model provider, executor): kind Client.</summary>
    public const string UpstreamSpan = "gateway.upstream";

    /// <summary>The source every gateway span is started from.</summary>
    public static readonly ActivitySource Source = new(Name, typeof(GatewayActivitySource).Assembly.GetName().Version?.ToString());
}

/// <summary>Attribute keys of the gateway's spans (<c>gamut.*</c>) and of the GenAI conventions it uses.</summary>
public static class GatewaySpanAttributes
{
    public const string Tenant = "gamut.tenant";
    public const string Workspace = "gamut.workspace";
    public const string Agent = "gamut.agent";
    public const string Run = "gamut.run_id";
    public const string Tool = "gamut.tool";
    public const string Decision = "gamut.decision";
    public const string FailingControls = "gamut.failing_controls";
    public const string Connector = "gamut.connector";
    public const string ConnectorKind = "gamut.connector.kind";
    public const string RequestId = "gateway.request_id";
    public const string RefusalCode = "gateway.refusal_code";
    public const string StoreOperation = "gateway.store.operation";
    public const string HttpStatusCode = "http.response.status_code";
    public const string HttpMethod = "http.request.method";
    public const string HttpRoute = "http.route";
    public const string ErrorType = "error.type";

    public const string GenAiSystem = "gen_ai.system";
    public const string GenAiProviderName = "gen_ai.provider.name";
    public const string GenAiOperationName = "gen_ai.operation.name";
    public const string GenAiRequestModel = "gen_ai.request.model";
    public const string GenAiResponseModel = "gen_ai.response.model";
    public const string GenAiInputTokens = "gen_ai.usage.input_tokens";
    public const string GenAiOutputTokens = "gen_ai.usage.output_tokens";
}
