using Microsoft.AspNetCore.Http.Features;
using System.Diagnostics;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Executors;
using Gateway.Connectors.Models;
using Gateway.Policy;
using Gateway.Proxy.Governance;
using Gateway.Proxy.Problems;
using Gateway.Proxy.Requests;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Execution;

/// <summary>
/// Runs the connector of an allowed governed action (decision-model §5): in its reduced form for
/// degrade, with the payload limit enforced, the model-token budget reserved before and settled after,
/// and every execution failure mapped to a stable refusal. The credential is added by the executor,
/// from the vault, on the way out; the agent never sees it.
/// </summary>
internal sealed partial class ConnectorInvoker
{
    private readonly IConnectorExecutor _executors;
    private readonly TokenBudgetGate _budgets;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<ConnectorInvoker> _logger;

    public ConnectorInvoker(IConnectorExecutor executors, TokenBudgetGate budgets, GatewayMetrics metrics, ILogger<ConnectorInvoker> logger)
    {
        _executors = executors;
        _budgets = budgets;
        _metrics = metrics;
        _logger = logger;
    }

    public async ValueTask<InvocationResult> InvokeAsync(HttpContext context, TenantPolicy tenant, AgentIdentity identity, GovernedDecision governed, ActionRequest request, GovernedRoute route)
    {
        var entry = governed.Entry!;
        if (RouteMismatch(entry, route) is { } mismatch)
        {
            return Refused(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, mismatch);
        }

        var definition = Resolve(tenant, entry, governed.Decision);
        var body = context.Features.GetRequiredFeature<GatewayRequestFeature>().Body;
        if (body.Length > definition.MaxRequestBytes)
        {
            return Refused(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge,
                $"The payload exceeds the connector's limit of {definition.MaxRequestBytes} bytes.");
        }

        var isModel = entry.Kind is ConnectorKind.OpenAI or ConnectorKind.Anthropic;
        var args = request.Args.ValueKind == JsonValueKind.Undefined ? EmptyObject : request.Args;
        if (isModel && definition.DegradeMode == Connectors.DegradeMode.Route)
        {
            var api = entry.Kind == ConnectorKind.Anthropic ? ModelApi.AnthropicMessages : ModelApi.OpenAIChatCompletions;
            using var routed = JsonDocument.Parse(ModelRequestRewriter.Route(JsonSerializer.SerializeToUtf8Bytes(args), definition.RouteModel, definition.RouteMaxTokens, api));
            args = routed.RootElement.Clone();
        }

        TokenReservation? reservation = null;
        if (isModel)
        {
            // Output ceiling plus an upper bound on input tokens (a token covers at least one byte), so
            // that settling against reported usage can never push the budget past its limit.
            var ceiling = TokenEstimator.Estimate(args) + body.Length;
            reservation = await _budgets.TryReserveAsync(tenant, identity, entry.Name, ceiling, context.RequestAborted).ConfigureAwait(false);
            if (reservation is { Granted: false } refused)
            {
                return Refused(StatusCodes.Status429TooManyRequests, ProblemCodes.BudgetExhausted,
                    $"The token budget for '{entry.Name}' cannot cover this request's {refused.Reserved} tokens.", refused.ResetsIn);
            }
        }

        var call = new ConnectorCall
        {
            Args = args,
            Tenant = identity.Tenant,
            Workspace = identity.Workspace,
            Agent = identity.Agent,
            RequestId = RequestIdMiddleware.GetRequestId(context),
            DecisionToken = governed.DecisionToken,
            DegradeMode = definition.DegradeMode,
            IsReadAction = entry.ActionType is ActionType.Read or ActionType.Context,

            // Every response leaving the gateway is redacted (secrets, e-mail addresses, card numbers);
            // the degrade mode 'redact' is the same scrubbing applied as a declared reduced form.
            RedactResponse = true,
        };

        var started = Stopwatch.GetTimestamp();
        var requestedModel = isModel && args.TryGetProperty("model", out var modelName) && modelName.ValueKind == JsonValueKind.String ? modelName.GetString() : null;
        using var upstream = GatewayTelemetry.StartUpstream(entry.Name, WireNames.Of(entry.Kind), requestedModel);
        ConnectorResult result;
        try
        {
            result = await _executors.ExecuteAsync(definition, call, context.RequestAborted).ConfigureAwait(false);
            GatewayTelemetry.SetUpstreamResult(upstream, result.StatusCode);
            if (result.Usage is { } reported)
            {
                GatewayTelemetry.SetUsage(upstream, reported.InputTokens, reported.OutputTokens);
            }
        }
        catch (Exception ex) when (Classify(ex) is { } refusal)
        {
            GatewayTelemetry.SetUpstreamResult(upstream, null, ex);
            if (reservation is { Granted: true })
            {
                await _budgets.SettleAsync(reservation, actual: 0, CancellationToken.None).ConfigureAwait(false);
            }

            LogExecutionFailed(_logger, entry.Name, refusal.Code, ex);
            return new InvocationResult { Invoked = refusal.Code != ProblemCodes.DegradeRefused && ex is not ConnectorArgumentException, Refusal = refusal, Latency = Stopwatch.GetElapsedTime(started) };
        }

        var latency = Stopwatch.GetElapsedTime(started);
        if (reservation is { Granted: true })
        {
            await _budgets.SettleAsync(reservation, result.Usage?.TotalTokens ?? reservation.Reserved, CancellationToken.None).ConfigureAwait(false);
        }

        if (result.Usage is { } usage)
        {
            var model = args.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : entry.Name;
            _metrics.Tokens.Add(usage.InputTokens, new("model", model), new("tenant", identity.Tenant), new("direction", "input"));
            _metrics.Tokens.Add(usage.OutputTokens, new("model", model), new("tenant", identity.Tenant), new("direction", "output"));
        }

        var redactions = result.Redactions.ToDictionary();
        foreach (var pair in redactions)
        {
            _metrics.Redactions.Add(pair.Value, new KeyValuePair<string, object?>("kind", pair.Key));
        }

        return new InvocationResult
        {
            Invoked = result.Invoked,
            ResultJson = ResultJson(result),
            UpstreamStatus = result.StatusCode,
            Redactions = redactions,
            Latency = latency,
        };
    }

    private static readonly MaxTokensEstimator TokenEstimator = new();

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The runtime definition: the reduced form for degrade; an MCP tool inherits its server's upstream and credential.</summary>
    private static Connectors.ConnectorDefinition Resolve(TenantPolicy tenant, CatalogEntry entry, Decision decision)
    {
        var definition = decision.Kind == DecisionKind.Degrade
            ? ConnectorDefinitions.Degraded(entry, decision.Degrade ?? DegradeSpec.DefaultReadOnly)
            : ConnectorDefinitions.For(entry);
        if (entry.Kind == ConnectorKind.McpTool && entry.Connector is not null && tenant.TryGetCatalogEntry(entry.Connector, out var server) && server is not null)
        {
            var serverDefinition = ConnectorDefinitions.For(server);
            definition = definition with
            {
                Upstream = definition.Upstream ?? serverDefinition.Upstream,
                CredentialReference = definition.CredentialReference ?? serverDefinition.CredentialReference,
                AuthScheme = definition.CredentialReference is null ? serverDefinition.AuthScheme : definition.AuthScheme,
            };
        }

        return definition;
    }

    private static string? RouteMismatch(CatalogEntry entry, GovernedRoute route) => route switch
    {
        GovernedRoute.Model when entry.Kind is not (ConnectorKind.OpenAI or ConnectorKind.Anthropic) =>
            $"'{entry.Name}' is not a model connector; use /v1/actions/invoke-tool.",
        GovernedRoute.Context when entry.Kind != ConnectorKind.Context =>
            $"'{entry.Name}' is not a context scope.",
        GovernedRoute.InvokeTool when entry.Kind is ConnectorKind.Mcp =>
            $"'{entry.Name}' is an MCP server; invoke one of its tools (kind mcp_tool) instead.",
        _ => null,
    };

    private static InvocationRefusal? Classify(Exception ex) => ex switch
    {
        ConnectorTimeoutException => new(StatusCodes.Status504GatewayTimeout, ProblemCodes.UpstreamTimeout, "The upstream did not answer in time."),
        DegradeRefusedException refused => new(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused, refused.Message),
        ConnectorArgumentException argument => new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, argument.Message),
        ResponseTooLargeException => new(StatusCodes.Status502BadGateway, ProblemCodes.ResponseTooLarge, "The upstream's response exceeds the connector's limit."),
        CredentialUnavailableException => new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.CredentialUnavailable, "The connector's credential is not in the vault (or cannot be read); an operator must store it."),
        HttpRequestException => new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The upstream cannot be reached."),
        _ => null,
    };

    private static ReadOnlyMemory<byte> ResultJson(ConnectorResult result)
    {
        if (result.Json is { } json)
        {
            return JsonSerializer.SerializeToUtf8Bytes(json);
        }

        return result.Text is null ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(result.Text);
    }

    private static InvocationResult Refused(int status, string code, string detail, TimeSpan? retryAfter = null) =>
        new() { Invoked = false, Refusal = new InvocationRefusal(status, code, detail, retryAfter) };

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Connector {Connector} failed: {Code}")]
    private static partial void LogExecutionFailed(ILogger logger, string connector, string code, Exception exception);
}
