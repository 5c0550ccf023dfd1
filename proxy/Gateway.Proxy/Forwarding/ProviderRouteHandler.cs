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
using Gateway.Connectors.Mcp;
using Gateway.Proxy.Problems;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Requests;
using Gateway.Proxy.Routing;
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
    private static readonly string[] MethodOverrideHeaders = ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"];

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

    public async Task HandleAsync(HttpContext context)
    {
        var feature = context.Features.GetRequiredFeature<GatewayRequestFeature>();
        var identity = feature.Agent!;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.PathBase + context.Request.Path + context.Request.QueryString).ToString();
        if (!ProviderTarget.TryParse(rawTarget, out var target, out var notCanonical))
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.PathNotCanonical,
                notCanonical + " Send the path exactly as the provider documents it.").ConfigureAwait(false);
            return;
        }

        if (_policy.Current?.Set is not { } set || !set.TryGetTenant(identity.Tenant, out var tenant) || tenant is null)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.PolicyUnavailable,
                "No policy is loaded for this tenant; nothing was forwarded.").ConfigureAwait(false);
            return;
        }

        if (!tenant.TryGetCatalogEntry(target.Connector, out var named) || named is null || named.Kind == ConnectorKind.McpTool || named.Upstream is null)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector,
                $"No connector '{Truncate(target.Connector)}' is in this tenant's catalog.").ConfigureAwait(false);
            return;
        }

        feature.Dialect = named.Kind switch
        {
            ConnectorKind.OpenAI => RefusalDialect.OpenAI,
            ConnectorKind.Mcp => RefusalDialect.JsonRpc,
            _ => RefusalDialect.Problem,
        };
        var body = feature.Body;
        if (named.Kind == ConnectorKind.Mcp && !body.IsEmpty && McpRequestParser.TryParse(body.Span, out var rpc, out _) && !rpc.IsBatch)
        {
            feature.JsonRpcId = rpc.Messages[0].Id;
        }

        if (MethodOverrideHeader(context.Request.Headers) is { } overrideHeader)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.MethodOverrideRefused,
                $"Method override headers ({overrideHeader}) are refused; send the real method.").ConfigureAwait(false);
            return;
        }

        if (context.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType,
                "A compressed request body cannot be inspected; send it uncompressed.").ConfigureAwait(false);
            return;
        }

        if (ProviderOperations.Match(tenant, named, context.Request.Method, target.Segments) is not { } operation)
        {
            await _audit.RecordRefusalAsync(context, identity, named.Name, ProblemCodes.OperationNotMapped, StatusCodes.Status403Forbidden).ConfigureAwait(false);
            await ProblemResponse.WriteAsync(context, StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped,
                $"{context.Request.Method} /{Truncate(target.CanonicalPath)} is not an operation connector '{named.Name}' declares; nothing was forwarded.").ConfigureAwait(false);
            return;
        }

        var entry = operation.Entry;
        var described = ProviderActionDescriber.Describe(tenant, operation, target.RawQuery, body, context.Request.ContentType);
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
            if (await CheckForwardableAsync(context, tenant, identity, definition, operation, body) is { } refusal)
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
                Destination(entry.Upstream!, target),
                definition.MaxResponseBytes,
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
            var clientBody = context.Response.Body;
            var error = await _forwarder.SendAsync(context, entry.Upstream!.GetLeftPart(UriPartial.Authority), _client.Invoker,
                new ForwarderRequestConfig { ActivityTimeout = definition.Timeout }, _transformer).ConfigureAwait(false);
            if (forward.ResponseStream is { } stream && forward.SizeLimit?.Exceeded != true)
            {
                await stream.CompleteAsync(context.RequestAborted).ConfigureAwait(false);
            }

            // Whatever the transformer wrapped, a refusal from here on goes straight to the client.
            context.Response.Body = clientBody;

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

    private async ValueTask<Execution.InvocationRefusal?> CheckForwardableAsync(HttpContext context, TenantPolicy tenant, Requests.AgentIdentity identity, ConnectorDefinition definition, ProviderOperation operation, ReadOnlyMemory<byte> body)
    {
        if (body.Length > definition.MaxRequestBytes)
        {
            return new(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, $"The payload exceeds the connector's limit of {definition.MaxRequestBytes} bytes.");
        }

        if (definition.DegradeMode == Connectors.DegradeMode.ReadOnly && operation.Writes)
        {
            return new(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused, "The action is degraded to read-only: only GET, HEAD and OPTIONS are let through.");
        }

        if (definition.CredentialReference is { } reference && !await _credentials.IsAvailableAsync(tenant.Slug, reference, context.RequestAborted).ConfigureAwait(false))
        {
            LogCredentialUnavailable(_logger, definition.Name, identity.Tenant);
            return new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.CredentialUnavailable,
                $"The credential of connector '{definition.Name}' is not in the vault (or cannot be read); an operator must store it. Nothing was forwarded.");
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
        InvocationRefusal? failure = null;
        if (forward.UndecodableEncoding)
        {
            failure = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
                "The upstream answered in a content encoding the gateway cannot decode for redaction; nothing of it was passed on.");
        }
        else if (forward.UnreadableToolsList)
        {
            failure = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
                "The MCP server's answer to tools/list could not be read as JSON-RPC, so it could not be filtered to the tools the agent may call; nothing of it was passed on.");
        }
        else if (forward.ResponseTooLarge || forward.SizeLimit?.Exceeded == true)
        {
            failure = new(StatusCodes.Status502BadGateway, ProblemCodes.ResponseTooLarge,
                $"The upstream's response exceeds the connector's limit of {forward.MaxResponseBytes} bytes (max_response_bytes).");
        }
        else if (error != ForwarderError.None)
        {
            failure = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The upstream could not be reached or failed mid-request.");
        }

        var upstreamAnswered = error is ForwarderError.None or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient or ForwarderError.ResponseBodyDestination;
        var invocation = new InvocationResult
        {
            Invoked = upstreamAnswered,
            UpstreamStatus = context.Response.StatusCode,
            ClientStatus = context.Response.StatusCode,
            Redactions = forward.Redactions.ToDictionary(),
            Latency = latency,
            Refusal = failure,
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

        if (failure is { } refusal)
        {
            // Before the response started: a clear refusal. After: the connection is aborted (never a cut body taken for whole).
            await ProblemResponse.WriteAsync(context, refusal.Status, refusal.Code, refusal.Detail).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The connector's upstream joined with the remaining path and query exactly as the agent sent
    /// them (already proven canonical by <see cref="ProviderTarget"/>), never re-normalised.
    /// </summary>
    internal static Uri Destination(Uri upstream, ProviderTarget target)
    {
        var origin = upstream.GetLeftPart(UriPartial.Authority);
        var basePath = upstream.AbsolutePath.TrimEnd('/');
        var rest = target.RawPath.Length == 0 ? string.Empty : "/" + target.RawPath;
        return new Uri(origin + basePath + rest + target.RawQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
    }

    private static string? MethodOverrideHeader(IHeaderDictionary headers)
    {
        foreach (var name in MethodOverrideHeaders)
        {
            if (headers.ContainsKey(name))
            {
                return name;
            }
        }

        return null;
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Dependency {Dependency} unavailable; provider request refused (fail closed)")]
    private static partial void LogDependencyUnavailable(ILogger logger, string dependency, Exception exception);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "Credential of connector {Connector} unavailable for tenant {Tenant}")]
    private static partial void LogCredentialUnavailable(ILogger logger, string connector, string tenant);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Error, Message = "The outcome of a streamed provider request could not be recorded")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, Exception exception);
}
