using System.Diagnostics;
using System.Globalization;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The per-request tracing API the pipeline calls. Every method is a no-op when nobody listens
/// (telemetry export off, or the request not sampled), so callers never test for that themselves.
/// </summary>
/// <remarks>
/// <see cref="GatewayTelemetryMiddleware"/> starts and ends the <c>gateway.request</c> span and fills
/// in what it can read from <see cref="GatewayRequestFeature"/> (request id, tenant, workspace, agent,
/// refusal code, status). The rest — tool, decision, connector — is known only deeper in the
/// pipeline, which reports it with <see cref="SetTool"/>, <see cref="SetDecision"/> and
/// <see cref="StartUpstream"/>. No attribute ever carries a secret, a header value or a body.
/// </remarks>
public static class GatewayTelemetry
{
    /// <summary>
    /// Starts the <c>gateway.request</c> span (kind Server) as a child of ASP.NET Core's request
    /// activity and attaches it to the request. Returns null when the request is not traced. The
    /// caller stops it with <see cref="CompleteRequest"/> and then disposes it.
    /// </summary>
    public static Activity? StartRequest(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var activity = GatewayActivitySource.Source.StartActivity(GatewayActivitySource.RequestSpan, ActivityKind.Server);
        if (activity is null)
        {
            return null;
        }

        context.Features.Set(new GatewayRequestActivityFeature(activity));
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(GatewaySpanAttributes.HttpMethod, context.Request.Method);
            activity.SetTag(GatewaySpanAttributes.RequestId, context.Features.Get<GatewayRequestFeature>()?.RequestId ?? context.TraceIdentifier);
        }

        return activity;
    }

    /// <summary>The authenticated caller: <c>gamut.tenant</c>, <c>gamut.workspace</c>, <c>gamut.agent</c>.</summary>
    public static void SetIdentity(HttpContext context, string tenant, string? workspace, string agent)
    {
        if (Recording(context) is not { } activity)
        {
            return;
        }

        activity.SetTag(GatewaySpanAttributes.Tenant, tenant);
        activity.SetTag(GatewaySpanAttributes.Workspace, workspace);
        activity.SetTag(GatewaySpanAttributes.Agent, agent);
    }

    /// <summary>The run the request acts in (<c>gamut.run_id</c>).</summary>
    public static void SetRun(HttpContext context, string run)
    {
        Recording(context)?.SetTag(GatewaySpanAttributes.Run, run);
    }

    /// <summary>The catalog tool the request asks for (<c>gamut.tool</c>); for model calls, the connector.</summary>
    public static void SetTool(HttpContext context, string tool)
    {
        Recording(context)?.SetTag(GatewaySpanAttributes.Tool, tool);
    }

    /// <summary>
    /// The decision (<c>gamut.decision</c>, wire name such as <c>allow</c> or <c>block</c>) and the
    /// controls that failed (<c>gamut.failing_controls</c>, comma-separated, empty when none).
    /// </summary>
    public static void SetDecision(HttpContext context, string decision, IEnumerable<string> failingControls)
    {
        ArgumentNullException.ThrowIfNull(failingControls);
        if (Recording(context) is not { } activity)
        {
            return;
        }

        activity.SetTag(GatewaySpanAttributes.Decision, decision);
        activity.SetTag(GatewaySpanAttributes.FailingControls, string.Join(',', failingControls));
    }

    /// <summary>
    /// Ends the request span's data: route, status, refusal code and identity from
    /// <see cref="GatewayRequestFeature"/>; a 5xx marks the span as an error. Does not stop the span.
    /// </summary>
    public static void CompleteRequest(HttpContext context)
    {
        if (Recording(context) is not { } activity)
        {
            return;
        }

        var status = context.Response.StatusCode;
        var route = context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern } ? pattern : null;
        activity.SetTag(GatewaySpanAttributes.HttpStatusCode, status);
        if (route is not null)
        {
            activity.SetTag(GatewaySpanAttributes.HttpRoute, route);
        }

        if (context.Features.Get<GatewayRequestFeature>()?.RefusalCode is { } code)
        {
            activity.SetTag(GatewaySpanAttributes.RefusalCode, code);
        }

        if (status >= StatusCodes.Status500InternalServerError)
        {
            activity.SetTag(GatewaySpanAttributes.ErrorType, status.ToString(CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>
    /// Starts the <c>gateway.upstream</c> span (kind Client) for the connector's upstream call, a child
    /// of the current activity, and records the connector on the request span. For model connectors
    /// (<paramref name="kind"/> <c>openai</c> or <c>anthropic</c>) it carries the GenAI attributes
    /// <c>gen_ai.system</c>, <c>gen_ai.provider.name</c>, <c>gen_ai.operation.name</c> (<c>chat</c>)
    /// and <c>gen_ai.request.model</c>. Dispose the returned activity when the call is over.
    /// </summary>
    /// <param name="connector">The connector's name in the catalog.</param>
    /// <param name="kind">The connector kind's wire name (<c>openai</c>, <c>anthropic</c>, <c>http</c>, <c>webhook</c>, <c>mcp</c>, ...).</param>
    /// <param name="model">The requested model, for model connectors; null otherwise or when unknown.</param>
    public static Activity? StartUpstream(string connector, string kind, string? model)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(kind);
        FindRequestSpan(Activity.Current)?.SetTag(GatewaySpanAttributes.Connector, connector);

        var activity = GatewayActivitySource.Source.StartActivity(GatewayActivitySource.UpstreamSpan, ActivityKind.Client);
        if (activity is not { IsAllDataRequested: true })
        {
            return activity;
        }

        activity.SetTag(GatewaySpanAttributes.Connector, connector);
        activity.SetTag(GatewaySpanAttributes.ConnectorKind, kind);
        if (GenAiSystemOf(kind) is { } system)
        {
            activity.SetTag(GatewaySpanAttributes.GenAiSystem, system);
            activity.SetTag(GatewaySpanAttributes.GenAiProviderName, system);
            activity.SetTag(GatewaySpanAttributes.GenAiOperationName, "chat");
            if (!string.IsNullOrEmpty(model))
            {
                activity.SetTag(GatewaySpanAttributes.GenAiRequestModel, model.Length <= ModelTags.MaxLength ? model : model[..ModelTags.MaxLength]);
            }
        }

        return activity;
    }

    /// <summary>
    /// Token use as the provider reported it (<c>gen_ai.usage.input_tokens</c>,
    /// <c>gen_ai.usage.output_tokens</c>) and the model that answered (<c>gen_ai.response.model</c>).
    /// </summary>
    public static void SetUsage(Activity? upstream, long? inputTokens, long? outputTokens, string? responseModel = null)
    {
        if (upstream is not { IsAllDataRequested: true })
        {
            return;
        }

        if (inputTokens is { } input)
        {
            upstream.SetTag(GatewaySpanAttributes.GenAiInputTokens, input);
        }

        if (outputTokens is { } output)
        {
            upstream.SetTag(GatewaySpanAttributes.GenAiOutputTokens, output);
        }

        if (!string.IsNullOrEmpty(responseModel))
        {
            upstream.SetTag(GatewaySpanAttributes.GenAiResponseModel, responseModel);
        }
    }

    /// <summary>
    /// The upstream call's outcome: its HTTP status (a 5xx is an error) or, when it failed before a
    /// response, the exception's type as <c>error.type</c> (never its message, which may echo data).
    /// </summary>
    public static void SetUpstreamResult(Activity? upstream, int? statusCode, Exception? error = null)
    {
        if (upstream is not { IsAllDataRequested: true })
        {
            return;
        }

        if (statusCode is { } status)
        {
            upstream.SetTag(GatewaySpanAttributes.HttpStatusCode, status);
            if (status >= StatusCodes.Status500InternalServerError)
            {
                upstream.SetTag(GatewaySpanAttributes.ErrorType, status.ToString(CultureInfo.InvariantCulture));
                upstream.SetStatus(ActivityStatusCode.Error);
            }
        }

        if (error is not null)
        {
            upstream.SetTag(GatewaySpanAttributes.ErrorType, error.GetType().FullName);
            upstream.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>The <c>gen_ai.system</c> value of a model connector kind, or null for other kinds.</summary>
    internal static string? GenAiSystemOf(string kind) => kind.ToUpperInvariant() switch
    {
        "OPENAI" => "openai",
        "ANTHROPIC" => "anthropic",
        _ => null,
    };

    private static Activity? Recording(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<GatewayRequestActivityFeature>()?.Activity is { IsAllDataRequested: true } activity ? activity : null;
    }

    private static Activity? FindRequestSpan(Activity? activity)
    {
        for (var current = activity; current is not null; current = current.Parent)
        {
            if (ReferenceEquals(current.Source, GatewayActivitySource.Source) && current.OperationName == GatewayActivitySource.RequestSpan)
            {
                return current.IsAllDataRequested ? current : null;
            }
        }

        return null;
    }
}

/// <summary>Carries the request's <c>gateway.request</c> span on <see cref="HttpContext.Features"/>.</summary>
internal sealed class GatewayRequestActivityFeature
{
    public GatewayRequestActivityFeature(Activity activity) => Activity = activity;

    public Activity Activity { get; }
}
