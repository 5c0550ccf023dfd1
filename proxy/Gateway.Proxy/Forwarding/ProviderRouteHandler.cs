using System.Diagnostics;
using System.Text.Json;
using Gateway.Connectors;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Models;
using Gateway.Oversight.Audit;
using Gateway.Policy;
using Gateway.Proxy.Auditing;
using Gateway.Proxy.Execution;
using Gateway.Proxy.Governance;
using Gateway.Proxy.Policy;
using Gateway.Proxy.Problems;
using Gateway.Proxy.Requests;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using ConnectorKind = Gateway.Policy.ConnectorKind;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// <c>ANY /providers/{connector}/{**path}</c>: the transparent route for provider-native clients. The
/// request is described and decided exactly like a governed action; only the allow family is forwarded,
/// through YARP, with the credential injected and the response streamed back redacted.
/// </summary>
internal sealed partial class ProviderRouteHandler
{
    private static readonly string[] WriteMethods = ["POST", "PUT", "PATCH", "DELETE"];

    private readonly PolicyProvider _policy;
    private readonly GovernedAdmission _admission;
    private readonly TokenBudgetGate _budgets;
    private readonly AuditRecorder _audit;
    private readonly CredentialResolver _credentials;
    private readonly IHttpForwarder _forwarder;
    private readonly ProviderTransformer _transformer;
    private readonly UpstreamClient _client;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<ProviderRouteHandler> _logger;

    public ProviderRouteHandler(
        PolicyProvider policy,
        GovernedAdmission admission,
        TokenBudgetGate budgets,
        AuditRecorder audit,
        CredentialResolver credentials,
        IHttpForwarder forwarder,
        ProviderTransformer transformer,
        UpstreamClient client,
        GatewayMetrics metrics,
        ILogger<ProviderRouteHandler> logger)
    {
        _policy = policy;
        _admission = admission;
        _budgets = budgets;
        _audit = audit;
        _credentials = credentials;
        _forwarder = forwarder;
        _transformer = transformer;
        _client = client;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context, string connector, string? path)
    {
        var feature = context.Features.GetRequiredFeature<GatewayRequestFeature>();
        var identity = feature.Agent!;
        if (_policy.Current?.Set is not { } set || !set.TryGetTenant(identity.Tenant, out var tenant) || tenant is null)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.PolicyUnavailable,
                "No policy is loaded for this tenant; nothing was forwarded.").ConfigureAwait(false);
            return;
        }

        if (!tenant.TryGetCatalogEntry(connector, out var entry) || entry is null || entry.Kind == ConnectorKind.McpTool)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector,
                $"No connector '{Truncate(connector)}' is in this tenant's catalog.").ConfigureAwait(false);
            return;
        }

        var body = feature.Body;
        var described = ProviderActionDescriber.Describe(tenant, entry, body, context.Request.ContentType);
        if (described.Request is not { } request)
        {
            await ProblemResponse.WriteAsync(context, described.Status, described.Code!, described.Detail!).ConfigureAwait(false);
            return;
        }

        TokenReservation? reservation = null;
        try
        {
            if (await _admission.DecideAsync(context, tenant, identity, request, body).ConfigureAwait(false) is not { } governed
                || await _admission.RefuseUnlessExecutableAsync(context, identity, governed).ConfigureAwait(false))
            {
                return;
            }

            var definition = governed.Kind == DecisionKind.Degrade
                ? ConnectorDefinitions.Degraded(entry, governed.Decision.Degrade ?? DegradeSpec.DefaultReadOnly)
                : ConnectorDefinitions.For(entry);
            if (await CheckForwardableAsync(context, tenant, identity, definition, body) is { } refusal)
            {
                await _audit.RecordRefusalAsync(context, identity, request.Tool, refusal.Code, refusal.Status).ConfigureAwait(false);
                await ProblemResponse.WriteAsync(context, refusal.Status, refusal.Code, refusal.Detail, WireNames.Of(governed.Kind), governed.ExplanationJson).ConfigureAwait(false);
                return;
            }

            var isModel = entry.Kind is ConnectorKind.OpenAI or ConnectorKind.Anthropic;
            if (isModel)
            {
                body = PrepareModelBody(entry, definition, body, context);
                reservation = await _budgets.TryReserveAsync(tenant, identity, entry.Name, ReservationFor(body), context.RequestAborted).ConfigureAwait(false);
                if (reservation is { Granted: false })
                {
                    await _audit.RecordRefusalAsync(context, identity, request.Tool, ProblemCodes.BudgetExhausted, StatusCodes.Status429TooManyRequests).ConfigureAwait(false);
                    GovernedRefusals.SetRetryAfter(context.Response, reservation.ResetsIn);
                    await ProblemResponse.WriteAsync(context, StatusCodes.Status429TooManyRequests, ProblemCodes.BudgetExhausted,
                        $"The token budget for '{entry.Name}' cannot cover this request.").ConfigureAwait(false);
                    return;
                }
            }

            // The decision is on record before anything is forwarded.
            await _audit.RecordDecisionAsync(context, identity, governed, statusCode: 0).ConfigureAwait(false);
            var forward = new ProviderForwardFeature(
                Destination(entry.Upstream!, path, context.Request.QueryString),
                described.Mcp is { } mcp && mcp.Messages.Any(m => m.Method == "tools/list") ? McpToolFilter(tenant, identity.Agent, entry.Name) : null,
                observeUsage: isModel);
            context.Features.Set(forward);
            context.Features.Set(new ConnectorRequestFeature
            {
                Tenant = identity.Tenant,
                Connector = definition,
                DecisionToken = governed.DecisionToken,
                DegradeMode = definition.DegradeMode,
            });

            var started = Stopwatch.GetTimestamp();
            using var upstream = GatewayTelemetry.StartUpstream(entry.Name, WireNames.Of(entry.Kind), null);
            var error = await _forwarder.SendAsync(context, entry.Upstream!.GetLeftPart(UriPartial.Authority), _client.Invoker,
                new ForwarderRequestConfig { ActivityTimeout = definition.Timeout }, _transformer).ConfigureAwait(false);
            if (forward.ResponseStream is { } stream)
            {
                await stream.CompleteAsync(context.RequestAborted).ConfigureAwait(false);
            }

            GatewayTelemetry.SetUpstreamResult(upstream, context.Response.StatusCode);
            if (forward.Usage?.Usage is { } usage)
            {
                GatewayTelemetry.SetUsage(upstream, usage.InputTokens, usage.OutputTokens);
                var model = RequestedModel(body) ?? entry.Name;
                _metrics.Tokens.Add(usage.InputTokens, new("model", model), new("tenant", identity.Tenant), new("direction", "input"));
                _metrics.Tokens.Add(usage.OutputTokens, new("model", model), new("tenant", identity.Tenant), new("direction", "output"));
            }

            foreach (var pair in forward.Redactions.ToDictionary())
            {
                _metrics.Redactions.Add(pair.Value, new KeyValuePair<string, object?>("kind", pair.Key));
            }

            if (reservation is { Granted: true })
            {
                await _budgets.SettleAsync(reservation, forward.Usage?.Usage?.TotalTokens ?? (error == ForwarderError.None ? reservation.Reserved : 0), CancellationToken.None).ConfigureAwait(false);
                reservation = null;
            }

            await RecordOutcomeAsync(context, identity, governed, error, forward, Stopwatch.GetElapsedTime(started)).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex)
        {
            LogDependencyUnavailable(_logger, "store", ex);
            await GovernedRefusals.StoreUnavailableAsync(context).ConfigureAwait(false);
        }
        catch (AuditWriteException ex)
        {
            LogDependencyUnavailable(_logger, "audit", ex);
            await GovernedRefusals.AuditUnavailableAsync(context).ConfigureAwait(false);
        }
        finally
        {
            if (reservation is { Granted: true })
            {
                await _budgets.SettleAsync(reservation, reservation.Reserved, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<Execution.InvocationRefusal?> CheckForwardableAsync(HttpContext context, TenantPolicy tenant, Requests.AgentIdentity identity, ConnectorDefinition definition, ReadOnlyMemory<byte> body)
    {
        if (body.Length > definition.MaxRequestBytes)
        {
            return new(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, $"The payload exceeds the connector's limit of {definition.MaxRequestBytes} bytes.");
        }

        if (definition.DegradeMode == Connectors.DegradeMode.ReadOnly && Array.IndexOf(WriteMethods, context.Request.Method.ToUpperInvariant()) >= 0
            && definition.Kind is not (Connectors.ConnectorKind.OpenAI or Connectors.ConnectorKind.Anthropic or Connectors.ConnectorKind.Mcp))
        {
            return new(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused, "The action is degraded to read-only: write verbs are refused.");
        }

        if (definition.CredentialReference is { } reference && !await _credentials.IsAvailableAsync(tenant.Slug, reference, context.RequestAborted).ConfigureAwait(false))
        {
            LogCredentialUnavailable(_logger, definition.Name, identity.Tenant);
            return new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, $"The credential of connector '{definition.Name}' is not available.");
        }

        return null;
    }

    /// <summary>Route degrade rewrites the model and caps tokens; a streamed OpenAI call is asked to report usage.</summary>
    private static ReadOnlyMemory<byte> PrepareModelBody(CatalogEntry entry, ConnectorDefinition definition, ReadOnlyMemory<byte> body, HttpContext context)
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
            if (definition.DegradeMode == Connectors.DegradeMode.Route)
            {
                rewritten = ModelRequestRewriter.Route(body.Span, definition.RouteModel, definition.RouteMaxTokens, api);
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

    private static readonly MaxTokensEstimator TokenEstimator = new();

    private static string? RequestedModel(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("model", out var model)
                && model.ValueKind == JsonValueKind.String ? model.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private Func<string, bool> McpToolFilter(TenantPolicy tenant, string agent, string server) => toolName =>
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

    private async Task RecordOutcomeAsync(HttpContext context, Requests.AgentIdentity identity, GovernedDecision governed, ForwarderError error, ProviderForwardFeature forward, TimeSpan latency)
    {
        var invocation = new InvocationResult
        {
            Invoked = error is ForwarderError.None or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient or ForwarderError.ResponseBodyDestination,
            UpstreamStatus = context.Response.StatusCode,
            Redactions = forward.Redactions.ToDictionary(),
            Latency = latency,
            Refusal = error == ForwarderError.None ? null : new InvocationRefusal(context.Response.StatusCode, ProblemCodes.UpstreamUnavailable, error.ToString()),
        };
        try
        {
            await _audit.RecordOutcomeAsync(context, identity, governed, invocation).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or StateStoreUnavailableException)
        {
            // The response has already streamed; the decision record (written before forwarding) stands.
            LogOutcomeNotRecorded(_logger, ex);
        }

        if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
                "The upstream could not be reached or failed mid-request.").ConfigureAwait(false);
        }
    }

    /// <summary>The connector's upstream joined with the remaining path and the original query, segment-safe.</summary>
    internal static Uri Destination(Uri upstream, string? path, QueryString query)
    {
        var basePath = upstream.AbsolutePath.TrimEnd('/');
        var rest = string.IsNullOrEmpty(path) ? string.Empty : "/" + path.TrimStart('/');
        var builder = new UriBuilder(upstream) { Path = basePath + rest, Query = query.HasValue ? query.Value![1..] : string.Empty };
        return builder.Uri;
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Dependency {Dependency} unavailable; provider request refused (fail closed)")]
    private static partial void LogDependencyUnavailable(ILogger logger, string dependency, Exception exception);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "Credential of connector {Connector} unavailable for tenant {Tenant}")]
    private static partial void LogCredentialUnavailable(ILogger logger, string connector, string tenant);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Error, Message = "The outcome of a streamed provider request could not be recorded")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, Exception exception);
}
