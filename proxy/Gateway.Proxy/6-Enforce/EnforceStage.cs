using System.Diagnostics;
using System.Text.Json;
using Gateway.Connectors;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Models;
using Gateway.Oversight.Audit;
using Gateway.Policy;
using Gateway.Store;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Respond;
using Gateway.Proxy.Routing;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// Enforce: a decision that may not forward ends here (an evaluation answers with the decision; the
/// blocks 403, require_approval 409). For the allow family the connector's own limits are checked (request
/// size, read-only degrade, its credential in the vault, the model-token budget), the envelope is built,
/// and the request is assigned its connector's YARP cluster; YARP's load balancing, health checks and
/// forwarder do the rest, with the route's transforms. Once the upstream has answered, the outcome is
/// recorded and the agent answered: the upstream's own response streamed (provider route) or the
/// decision with its result (native routes).
/// </summary>
internal sealed partial class EnforceStage
{
    private static readonly MaxTokensEstimator TokenEstimator = new();

    private readonly RequestDelegate _next;
    private readonly TokenBudgetGate _budgets;
    private readonly AuditRecorder _audit;
    private readonly CredentialResolver _credentials;
    private readonly IProxyStateLookup _proxyState;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<EnforceStage> _logger;

    public EnforceStage(RequestDelegate next, TokenBudgetGate budgets, AuditRecorder audit, CredentialResolver credentials, IProxyStateLookup proxyState, GatewayMetrics metrics, ILogger<EnforceStage> logger)
    {
        _next = next;
        _budgets = budgets;
        _audit = audit;
        _credentials = credentials;
        _proxyState = proxyState;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var exchange = context.Features.GetRequiredFeature<GovernedExchange>();
        var governed = exchange.Governed!;
        if (exchange.Route == GatewayRouteKind.Evaluate || governed.Decision.EvaluateOnly)
        {
            await DecisionResponseWriter.WriteDecisionAsync(context, governed, invoked: false).ConfigureAwait(false);
            return;
        }

        if (!governed.Decision.MayExecute || governed.Entry is null)
        {
            await DecisionResponseWriter.WriteRefusalAsync(context, governed).ConfigureAwait(false);
            return;
        }

        if (await PrepareAsync(context, exchange, governed) is { } refusal)
        {
            await RefuseAsync(context, exchange, refusal, invoked: false).ConfigureAwait(false);
            return;
        }

        try
        {
            var entry = governed.Entry;
            using var upstream = GatewayTelemetry.StartUpstream(entry.Name, WireNames.Of(entry.Kind), exchange.RequestedModel);
            exchange.StartedTimestamp = Stopwatch.GetTimestamp();
            var clientBody = context.Response.Body;
            try
            {
                await _next(context).ConfigureAwait(false);
            }
            finally
            {
                // Whatever the transforms wrapped, what is written from here on goes straight to the client.
                context.Response.Body = clientBody;
            }

            var error = context.GetForwarderErrorFeature();
            GatewayTelemetry.SetUpstreamResult(upstream, exchange.UpstreamStatus, error?.Exception);
            var usage = exchange.Usage?.Usage ?? exchange.Result?.Usage;
            if (usage is not null)
            {
                GatewayTelemetry.SetUsage(upstream, usage.InputTokens, usage.OutputTokens);
            }

            if (exchange.Route == GatewayRouteKind.Provider)
            {
                await CompleteProviderAsync(context, exchange, error).ConfigureAwait(false);
            }
            else
            {
                await CompleteNativeAsync(context, exchange, error).ConfigureAwait(false);
            }
        }
        finally
        {
            if (exchange.Reservation is { Granted: true } reservation)
            {
                var used = exchange.Usage?.Usage?.TotalTokens ?? exchange.Result?.Usage?.TotalTokens
                    ?? (exchange.UpstreamStatus is null ? 0 : reservation.Reserved);
                await _budgets.SettleAsync(reservation, used, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Everything checked and set before forwarding; the refusal when something stops it.</summary>
    private async ValueTask<InvocationRefusal?> PrepareAsync(HttpContext context, GovernedExchange exchange, GovernedDecision governed)
    {
        var entry = governed.Entry!;
        if (RouteMismatch(entry, exchange.Route) is { } mismatch)
        {
            return new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, mismatch);
        }

        var upstreamEntry = entry;
        if (entry.Kind == ConnectorKind.McpTool)
        {
            if (entry.Connector is null || !exchange.Tenant.TryGetCatalogEntry(entry.Connector, out var server) || server?.Upstream is null)
            {
                return new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, $"MCP connector '{entry.Connector}' of tool '{entry.Name}' is not in the catalog.");
            }

            upstreamEntry = server;
        }

        exchange.Upstream = upstreamEntry;
        var body = context.Features.GetRequiredFeature<GatewayRequestFeature>().Body;
        exchange.ForwardBody = body;
        exchange.MaxResponseBytes = entry.Limits.ResponseBytes;
        if (body.Length > entry.Limits.RequestBytes)
        {
            return new(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, $"The payload exceeds the connector's limit of {entry.Limits.RequestBytes} bytes.");
        }

        if (exchange.Route == GatewayRouteKind.Provider && exchange.Degrade?.Mode == DegradeMode.ReadOnly && exchange.Operation!.Writes)
        {
            return new(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused, "The action is degraded to read-only: only GET, HEAD and OPTIONS are let through.");
        }

        if (ConnectorCredentials.ReferenceOf(upstreamEntry) is { } reference && !await _credentials.IsAvailableAsync(exchange.Tenant.Slug, reference, context.RequestAborted).ConfigureAwait(false))
        {
            LogCredentialUnavailable(_logger, upstreamEntry.Name, exchange.Tenant.Slug);
            return new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.CredentialUnavailable,
                $"The credential of connector '{upstreamEntry.Name}' is not in the vault (or cannot be read); an operator must store it. Nothing was forwarded.");
        }

        var isModel = entry.Kind is ConnectorKind.OpenAI or ConnectorKind.Anthropic;
        long reserve = 0;
        if (exchange.Route == GatewayRouteKind.Provider)
        {
            if (isModel)
            {
                exchange.ForwardBody = PrepareModelBody(context, entry, exchange.Degrade, body);
                exchange.Usage = new ModelUsageAccumulator();
                reserve = ReservationFor(exchange.ForwardBody);
            }

            if (exchange.Mcp is { } mcp && mcp.Messages.Any(static m => m.Method == "tools/list"))
            {
                exchange.McpToolAllowed = McpToolFilter(exchange.Tenant, exchange.Identity.Agent, entry.Name);
            }
        }
        else
        {
            var args = exchange.Request!.Args.ValueKind == JsonValueKind.Undefined ? EmptyObject : exchange.Request.Args;
            try
            {
                exchange.Envelope = UpstreamEnvelopes.Build(entry, args, exchange.Degrade);
            }
            catch (ConnectorArgumentException ex)
            {
                return new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, ex.Message);
            }
            catch (DegradeRefusedException ex)
            {
                return new(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused, ex.Message);
            }

            if (isModel)
            {
                reserve = TokenEstimator.Estimate(exchange.Envelope.Body ?? []) + body.Length;
            }
        }

        if (isModel)
        {
            exchange.RequestedModel = RequestedModel(exchange.Envelope?.Body ?? exchange.ForwardBody);
            exchange.Reservation = await _budgets.TryReserveAsync(exchange.Tenant, exchange.Identity, entry.Name, reserve, context.RequestAborted).ConfigureAwait(false);
            if (exchange.Reservation is { Granted: false } refused)
            {
                return new(StatusCodes.Status429TooManyRequests, ProblemCodes.BudgetExhausted,
                    $"The token budget for '{entry.Name}' cannot cover this request's {refused.Reserved} tokens.", refused.ResetsIn);
            }
        }

        var clusterId = ConnectorClusters.IdFor(exchange.Tenant, entry);
        if (clusterId is null || !_proxyState.TryGetCluster(clusterId, out var cluster))
        {
            return new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.UpstreamUnavailable,
                $"Connector '{upstreamEntry.Name}' has no upstream in service yet; retry shortly.");
        }

        context.Features.Set(new ConnectorRequestFeature
        {
            Tenant = exchange.Tenant.Slug,
            Workspace = exchange.Identity.Workspace,
            Connector = upstreamEntry,
            DecisionToken = governed.DecisionToken,
            DegradeMode = exchange.Degrade?.Mode,
        });
        context.ReassignProxyRequest(cluster);
        return null;
    }

    /// <summary>The provider route: the upstream's response has streamed; flush, count, record, and refuse what could not be passed on.</summary>
    private async Task CompleteProviderAsync(HttpContext context, GovernedExchange exchange, IForwarderErrorFeature? error)
    {
        if (exchange.ResponseStream is { } stream && exchange.SizeLimit?.Exceeded != true && exchange.ResponseRefusal is null)
        {
            await stream.CompleteAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var refusal = exchange.ResponseRefusal;
        if (refusal is null && exchange.SizeLimit?.Exceeded == true)
        {
            refusal = new(StatusCodes.Status502BadGateway, ProblemCodes.ResponseTooLarge,
                $"The upstream's response exceeds the connector's limit of {exchange.MaxResponseBytes} bytes (max_response_bytes).");
        }

        refusal ??= ForwardingFailure(error);
        CountUsageAndRedactions(exchange);
        var invocation = new InvocationResult
        {
            Invoked = exchange.UpstreamStatus is not null,
            UpstreamStatus = exchange.UpstreamStatus,
            ClientStatus = context.Response.StatusCode,
            Redactions = exchange.Redactions.ToDictionary(),
            Latency = Stopwatch.GetElapsedTime(exchange.StartedTimestamp),
            Refusal = refusal,
        };
        try
        {
            await _audit.RecordOutcomeAsync(context, exchange.Identity, exchange.Governed!, invocation).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or StateStoreUnavailableException)
        {
            // The response has already streamed; the decision record (written before forwarding) stands.
            LogOutcomeNotRecorded(_logger, ex);
        }

        if (refusal is not null)
        {
            // Before the response started: a clear refusal. After: the connection is aborted (never a cut body taken for whole).
            await ProblemResponse.WriteAsync(context, refusal.Status, refusal.Code, refusal.Detail).ConfigureAwait(false);
        }
    }

    /// <summary>A native route: record the outcome, then answer with the decision and the result (or the refusal).</summary>
    private async Task CompleteNativeAsync(HttpContext context, GovernedExchange exchange, IForwarderErrorFeature? error)
    {
        var refusal = exchange.ResponseRefusal ?? ForwardingFailure(error);
        if (refusal is not null || exchange.Result is not { } result)
        {
            refusal ??= new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The upstream could not be reached or failed mid-request.");
            await RefuseAsync(context, exchange, refusal, invoked: exchange.UpstreamStatus is not null).ConfigureAwait(false);
            return;
        }

        CountUsageAndRedactions(exchange);
        await _audit.RecordOutcomeAsync(context, exchange.Identity, exchange.Governed!, new InvocationResult
        {
            Invoked = true,
            ResultJson = result.Json,
            UpstreamStatus = result.StatusCode,
            Redactions = exchange.Redactions.ToDictionary(),
            Latency = Stopwatch.GetElapsedTime(exchange.StartedTimestamp),
        }).ConfigureAwait(false);
        await DecisionResponseWriter.WriteDecisionAsync(context, exchange.Governed!, invoked: true, result.Json, result.StatusCode).ConfigureAwait(false);
    }

    /// <summary>Records the refusal as the outcome of the decided action, then answers it with the decision attached.</summary>
    private async Task RefuseAsync(HttpContext context, GovernedExchange exchange, InvocationRefusal refusal, bool invoked)
    {
        var governed = exchange.Governed!;
        LogRefusedAtExecution(_logger, governed.Entry?.Name ?? "(none)", refusal.Code);
        await _audit.RecordOutcomeAsync(context, exchange.Identity, governed, new InvocationResult
        {
            Invoked = invoked,
            UpstreamStatus = exchange.UpstreamStatus,
            Latency = Stopwatch.GetElapsedTime(exchange.StartedTimestamp),
            Refusal = refusal,
        }).ConfigureAwait(false);
        if (refusal.RetryAfter is { } retry)
        {
            GovernedRefusals.SetRetryAfter(context.Response, retry);
        }

        await ProblemResponse.WriteAsync(context, refusal.Status, refusal.Code, refusal.Detail, WireNames.Of(governed.Kind), governed.ExplanationJson,
            static writer => writer.WriteBoolean("invoked"u8, false)).ConfigureAwait(false);
    }

    private static InvocationRefusal? ForwardingFailure(IForwarderErrorFeature? error) => error?.Error switch
    {
        null or ForwarderError.None => null,
        ForwarderError.RequestCreation when error.Exception is CredentialUnavailableException => new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.CredentialUnavailable,
            "The connector's credential became unavailable (revoked or unreadable); nothing was forwarded."),
        ForwarderError.RequestTimedOut => new(StatusCodes.Status504GatewayTimeout, ProblemCodes.UpstreamTimeout, "The upstream did not answer in time."),
        ForwarderError.NoAvailableDestinations => new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.UpstreamUnavailable, "No healthy destination of the connector is available."),
        _ => new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The upstream could not be reached or failed mid-request."),
    };

    private void CountUsageAndRedactions(GovernedExchange exchange)
    {
        if ((exchange.Usage?.Usage ?? exchange.Result?.Usage) is { } usage)
        {
            var model = exchange.RequestedModel ?? exchange.Governed!.Entry!.Name;
            _metrics.Tokens.Add(usage.InputTokens, new("model", model), new("tenant", exchange.Identity.Tenant), new("direction", "input"));
            _metrics.Tokens.Add(usage.OutputTokens, new("model", model), new("tenant", exchange.Identity.Tenant), new("direction", "output"));
        }

        foreach (var pair in exchange.Redactions.ToDictionary())
        {
            _metrics.Redactions.Add(pair.Value, new KeyValuePair<string, object?>("kind", pair.Key));
        }
    }

    private static string? RouteMismatch(CatalogEntry entry, GatewayRouteKind route) => route switch
    {
        GatewayRouteKind.Model when entry.Kind is not (ConnectorKind.OpenAI or ConnectorKind.Anthropic) =>
            $"'{entry.Name}' is not a model connector; use /v1/actions/invoke-tool.",
        GatewayRouteKind.Context when entry.Kind != ConnectorKind.Context =>
            $"'{entry.Name}' is not a context scope.",
        GatewayRouteKind.InvokeTool when entry.Kind is ConnectorKind.Mcp =>
            $"'{entry.Name}' is an MCP server; invoke one of its tools (kind mcp_tool) instead.",
        GatewayRouteKind.InvokeTool or GatewayRouteKind.Model or GatewayRouteKind.Context when entry.Upstream is null && entry.Kind != ConnectorKind.McpTool =>
            $"connector '{entry.Name}' has no upstream.",
        _ => null,
    };

    /// <summary>Route degrade rewrites the model and caps tokens; a streamed OpenAI call is asked to report usage.</summary>
    private static ReadOnlyMemory<byte> PrepareModelBody(HttpContext context, CatalogEntry entry, DegradeSpec? degrade, ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return body;
        }

        var api = entry.Kind == ConnectorKind.Anthropic ? ModelApi.AnthropicMessages
            : context.Request.Path.Value?.EndsWith("/responses", StringComparison.Ordinal) == true ? ModelApi.OpenAIResponses
            : ModelApi.OpenAIChatCompletions;
        byte[]? rewritten = null;
        try
        {
            if (degrade?.Mode == DegradeMode.Route)
            {
                rewritten = ModelRequestRewriter.Route(body.Span, degrade.Route?.Model ?? entry.Degrade?.Route?.Model, degrade.Route?.MaxTokens ?? entry.Degrade?.Route?.MaxTokens, api);
            }

            if (api == ModelApi.OpenAIChatCompletions)
            {
                rewritten = ModelRequestRewriter.EnsureStreamUsage(rewritten ?? body.Span);
            }
        }
        catch (JsonException)
        {
            return body;
        }

        if (rewritten is null)
        {
            return body;
        }

        context.Request.Body = new MemoryStream(rewritten, writable: false);
        context.Request.ContentLength = rewritten.Length;
        return rewritten;
    }

    private static long ReservationFor(ReadOnlyMemory<byte> body)
    {
        // Output ceiling plus an upper bound on input tokens (a token covers at least one byte).
        try
        {
            using var document = JsonDocument.Parse(body);
            return TokenEstimator.Estimate(document.RootElement) + body.Length;
        }
        catch (JsonException)
        {
            return TokenEstimator.DefaultMaxTokens + body.Length;
        }
    }

    private static string? RequestedModel(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body.Span);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("model", out var model)
                && model.ValueKind == JsonValueKind.String ? model.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Func<string, bool> McpToolFilter(TenantPolicy tenant, string agent, string server) => toolName =>
    {
        // A tool is listed only when the agent could call it: its mcp_tool entry exists and is permitted.
        var catalogName = ProviderActionDescriber.FindMcpTool(tenant, server, toolName);
        if (catalogName is null || !tenant.TryGetAgent(agent, out var record) || record is null)
        {
            return false;
        }

        foreach (var permission in record.Permissions)
        {
            if (permission.Tool == catalogName)
            {
                return true;
            }
        }

        return false;
    };

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Connector {Connector} refused at execution: {Code}")]
    private static partial void LogRefusedAtExecution(ILogger logger, string connector, string code);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "Credential of connector {Connector} unavailable for tenant {Tenant}")]
    private static partial void LogCredentialUnavailable(ILogger logger, string connector, string tenant);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Error, Message = "The outcome of a streamed provider request could not be recorded")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, Exception exception);
}
