using System.Globalization;
using System.Text.Json;
using Gateway.Oversight;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// Writes a <see cref="Refusal"/>: RFC 9457 <c>application/problem+json</c> with the agent protocol's
/// extension members (<c>code</c>, <c>request_id</c>, and where a decision was made <c>decision</c> and
/// <c>explanation</c>), or the same refusal in the client's own format (<see cref="RefusalDialect"/>): on a provider
/// route with <c>x-should-retry</c> and no <c>Retry-After</c> longer than a client would wait; on <c>/mcp</c> and
/// <c>/a2a</c> (JSON-RPC) with <c>Retry-After</c> as the contract says, however long, and the same <c>x-should-retry</c>. The body is written with a <see cref="Utf8JsonWriter"/>: no reflection.
/// This is the gateway's one refusal writer: the framework's problems (routing 404/405, binding 400,
/// the exception handler's 500) and the admin API's results reach it through
/// <see cref="GatewayProblemDetailsWriter"/>.
/// </summary>
internal static class RefusalResponse
{
    public const string ContentType = "application/problem+json";

    /// <summary>The <c>type</c> of a gateway refusal is this prefix and its code.</summary>
    public const string TypePrefix = "https://gateway.local/problems/";

    /// <summary>The longest <c>Retry-After</c> a provider client is told; beyond it, retrying is pointless.</summary>
    public static readonly TimeSpan MaxProviderRetryAfter = TimeSpan.FromSeconds(60);

    private static readonly Refusal CallEndedUnanswered = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        "The call ended without an answer: it was cancelled, ran out of time, or its server failed mid-call.");

    /// <summary>
    /// Ends a governed call's event stream on <c>/mcp</c> that began and never got its answer (the call was cancelled, ran
    /// out of time, or its server failed mid-call) with a last event saying so, for a client that resumes it; nothing for
    /// any other request.
    /// </summary>
    public static Task EndUnansweredStreamAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<GatewayRequestFeature>()?.Find<McpCallStream>() is { Unanswered: true }
            ? WriteAsync(context, CallEndedUnanswered)
            : Task.CompletedTask;
    }

    /// <summary>Writes a refusal in place of whatever the response held.</summary>
    public static Task WriteAsync(HttpContext context, Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(refusal);
        var response = context.Response;
        if (response.HasStarted)
        {
            var feature = context.Features.Get<GatewayRequestFeature>();
            if (feature?.Find<McpCallStream>() is { } stream && feature.JsonRpcId is { } id)
            {
                // A governed call's event stream on /mcp: the refusal is its answer, the stream's last event.
                feature.MarkRefused(refusal.Status, refusal.Code);
                var requestId = RequestIdMiddleware.GetRequestId(context);
                return stream.WriteAsync(response, JsonResponseBody.Serialize((refusal, requestId, id), static (writer, s) =>
                    ProviderRefusalBody.WriteJsonRpc(writer, s.refusal, s.requestId, s.id)), last: true, context.RequestAborted);
            }

            // Nothing can be said any more; abort so the client never mistakes a cut body for success.
            context.Abort();
            return Task.CompletedTask;
        }

        response.Clear();

        // Clearing took the request id's header with it: a refusal is the answer a client most needs to quote.
        response.Headers[RequestIdMiddleware.HeaderName] = RequestIdMiddleware.GetRequestId(context);

        // And the decision's receipt, when the refusal follows a recorded decision.
        if (context.Features.Get<GatewayRequestFeature>()?.Receipt is { } receipt)
        {
            response.Headers[GatewayRequestFeature.ReceiptHeader] = receipt;
        }

        return WriteBodyAsync(context, refusal);
    }

    /// <summary>
    /// Writes a problem the framework or an endpoint result asked for (through
    /// <see cref="GatewayProblemDetailsWriter"/>): the response is not cleared, so headers such as
    /// <c>Allow</c> that came with it stay.
    /// </summary>
    public static Task WriteFrameworkProblemAsync(HttpContext context, Refusal refusal)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }

        // The exception handler cleared the headers before asking: the request id goes back, as on every refusal.
        if (!context.Response.Headers.ContainsKey(RequestIdMiddleware.HeaderName))
        {
            context.Response.Headers[RequestIdMiddleware.HeaderName] = RequestIdMiddleware.GetRequestId(context);
        }

        return WriteBodyAsync(context, refusal);
    }

    private static Task WriteBodyAsync(HttpContext context, Refusal refusal)
    {
        var response = context.Response;
        response.StatusCode = refusal.Status;
        response.Headers.CacheControl = "no-store";
        if (ProviderRouteHeaders.IsProviderRoute(context.Request))
        {
            // Nosniff and sandboxed, as every answer on the provider route is.
            ProviderRouteHeaders.Mark(response.Headers);
        }

        foreach (var challenge in refusal.Challenges ?? [])
        {
            response.Headers.Append("WWW-Authenticate", challenge);
        }

        var feature = context.Features.Get<GatewayRequestFeature>();
        feature?.MarkRefused(refusal.Status, refusal.Code);
        var dialect = feature?.Dialect ?? RefusalDialect.Problem;
        if (dialect == RefusalDialect.JsonRpc && feature?.JsonRpcId is null)
        {
            // Nothing to answer in JSON-RPC (a notification, a batch, an unreadable body): say it in HTTP.
            dialect = RefusalDialect.Problem;
        }

        // Retry-After in whole seconds, at least one.
        var retrySeconds = RetrySeconds(refusal);
        string? jsonRpcId = null;
        if (dialect == RefusalDialect.Problem)
        {
            response.ContentType = ContentType;
            SetRetryAfter(response, retrySeconds);
        }
        else
        {
            if (ProviderRouteHeaders.IsProviderRoute(context.Request))
            {
                SetProviderRetryHint(response, retrySeconds);
            }
            else
            {
                // /mcp and /a2a: their clients are the contract's, which honour Retry-After however long.
                SetRetryAfter(response, retrySeconds);
                response.Headers["x-should-retry"] = retrySeconds <= MaxProviderRetryAfter.TotalSeconds ? "true" : "false";
            }

            response.ContentType = "application/json";
            if (dialect == RefusalDialect.JsonRpc && feature!.JsonRpcId is { } id)
            {
                // A JSON-RPC error is an answer to the call, not an HTTP failure (unless the transport says it in HTTP).
                response.StatusCode = refusal.JsonRpcKeepsStatus ? refusal.Status : StatusCodes.Status200OK;
                jsonRpcId = id;
            }
            else if (dialect == RefusalDialect.Anthropic)
            {
                // The header the official Anthropic clients read a request id from (their errors' requestID).
                response.Headers["request-id"] = RequestIdMiddleware.GetRequestId(context);
            }
        }

        var requestId = RequestIdMiddleware.GetRequestId(context);
        return JsonResponseBody.WriteAsync(response, (dialect, refusal, requestId, jsonRpcId), static (writer, s) =>
        {
            var (dialect, refusal, requestId, jsonRpcId) = s;
            if (dialect == RefusalDialect.Problem)
            {
                WriteProblem(writer, refusal, requestId);
            }
            else if (jsonRpcId is { } id)
            {
                ProviderRefusalBody.WriteJsonRpc(writer, refusal, requestId, id);
            }
            else if (dialect == RefusalDialect.Anthropic)
            {
                AnthropicRefusalBody.Write(writer, refusal, requestId);
            }
            else
            {
                ProviderRefusalBody.WriteOpenAI(writer, refusal, requestId);
            }
        }, context.RequestAborted);
    }

    /// <summary>Retry-After in whole seconds, at least one; null when retrying cannot help.</summary>
    internal static int? RetrySeconds(Refusal refusal) =>
        refusal.RetryAfter is { } retryAfter ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : null;

    /// <summary>The one problem+json body: <c>type, title, status, detail, code, request_id</c>, then <c>decision</c>, <c>explanation</c> and the members.</summary>
    private static void WriteProblem(Utf8JsonWriter writer, Refusal refusal, string requestId)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, refusal.Type ?? TypePrefix + refusal.Code);
        writer.WriteString("title"u8, refusal.Title ?? TitleFor(refusal.Status, refusal.Code));
        writer.WriteNumber("status"u8, refusal.Status);
        if (refusal.Detail is not null)
        {
            writer.WriteString("detail"u8, refusal.Detail);
        }

        writer.WriteString("code"u8, refusal.Code);
        if (RetrySeconds(refusal) is { } wait)
        {
            // Retry-After in the body too, for a client that shows the problem and not its headers.
            writer.WriteNumber("retry_after_seconds"u8, wait);
        }

        ProviderRefusalBody.WriteFacts(writer, refusal, requestId);
        refusal.Members?.Invoke(writer);
        writer.WriteEndObject();
    }

    private static void SetRetryAfter(HttpResponse response, int? seconds)
    {
        if (seconds is { } wait)
        {
            response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Official provider clients retry on 408/409/429/5xx: tell them not to, unless a short wait helps.</summary>
    private static void SetProviderRetryHint(HttpResponse response, int? seconds)
    {
        if (seconds is { } wait && wait <= MaxProviderRetryAfter.TotalSeconds)
        {
            SetRetryAfter(response, wait);
            response.Headers["x-should-retry"] = "true";
            return;
        }

        response.Headers.Remove("Retry-After");
        response.Headers["x-should-retry"] = "false";
    }

    // The title of a status, and of a 409 by its code: only an action held for approval (or a warrant refused, which opens
    // a new request) is "Approval Required"; any other conflict (a run that has ended, …) is "Conflict".
    private static string TitleFor(int status, string code) => status switch
    {
        409 when code is ProblemCodes.ApprovalRequired or ProblemCodes.WarrantRejected => "Approval Required",
        409 => "Conflict",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        500 => "Internal Server Error",
        504 => "Gateway Timeout",
        _ => "Error",
    };
}
