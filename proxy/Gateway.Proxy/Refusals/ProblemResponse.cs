using System.Globalization;
using System.Text.Json;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// Writes RFC 9457 <c>application/problem+json</c> refusals with the agent protocol's extension
/// members: <c>code</c>, <c>request_id</c>, and where a decision was made <c>decision</c> and
/// <c>explanation</c>. The body is written with a <see cref="Utf8JsonWriter"/>: no reflection.
/// On a provider route the same refusal is written in the provider's own format instead
/// (<see cref="RefusalDialect"/>), with <c>x-should-retry: false</c> and no <c>Retry-After</c> longer
/// than a client would wait.
/// This is the gateway's one problem writer: the framework's problems (routing 404/405, binding 400,
/// the exception handler's 500) and the admin API's results reach it through
/// <see cref="GatewayProblemDetailsWriter"/>.
/// </summary>
public static class ProblemResponse
{
    public const string ContentType = "application/problem+json";

    /// <summary>The <c>type</c> of a gateway refusal is this prefix and its code.</summary>
    public const string TypePrefix = "https://gateway.local/problems/";

    /// <summary>The longest <c>Retry-After</c> a provider client is told; beyond it, retrying is pointless.</summary>
    public static readonly TimeSpan MaxProviderRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>Writes a refusal. <paramref name="extensions"/> may add members (already-serialised JSON values).</summary>
    public static Task WriteAsync(
        HttpContext context,
        int status,
        string code,
        string detail,
        string? decision = null,
        ReadOnlyMemory<byte> explanationJson = default,
        Action<Utf8JsonWriter>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        if (response.HasStarted)
        {
            // Nothing can be said any more; abort so the client never mistakes a cut body for success.
            context.Abort();
            return Task.CompletedTask;
        }

        // Clear() drops headers; a Retry-After the caller set for this refusal must survive it.
        var retryAfter = response.Headers.RetryAfter;
        response.Clear();
        if (retryAfter.Count > 0)
        {
            response.Headers.RetryAfter = retryAfter;
        }

        return WriteBodyAsync(context, new ProblemShape(status, code, detail, Type: null, Title: null, decision, explanationJson), extensions);
    }

    /// <summary>
    /// Writes a problem the framework or an endpoint result asked for (through
    /// <see cref="GatewayProblemDetailsWriter"/>): the response is not cleared, so headers such as
    /// <c>Allow</c> or <c>WWW-Authenticate</c> that came with it stay.
    /// </summary>
    internal static Task WriteAsync(HttpContext context, ProblemShape problem, Action<Utf8JsonWriter>? extensions)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }

        return WriteBodyAsync(context, problem, extensions);
    }

    private static Task WriteBodyAsync(HttpContext context, ProblemShape problem, Action<Utf8JsonWriter>? extensions)
    {
        var response = context.Response;
        response.StatusCode = problem.Status;
        response.Headers.CacheControl = "no-store";
        var feature = context.Features.Get<GatewayRequestFeature>();
        feature?.RecordRefusal(problem.Status, problem.Code);
        var dialect = feature?.Dialect ?? RefusalDialect.Problem;
        if (dialect == RefusalDialect.JsonRpc && feature?.JsonRpcId is null)
        {
            // Nothing to answer in JSON-RPC (a notification, a batch, an unreadable body): say it in HTTP.
            dialect = RefusalDialect.Problem;
        }

        var facts = new RefusalFacts(problem.Status, problem.Code, problem.Detail ?? string.Empty, RequestIdMiddleware.GetRequestId(context), problem.Decision, problem.ExplanationJson);
        string? jsonRpcId = null;
        if (dialect == RefusalDialect.Problem)
        {
            response.ContentType = ContentType;
        }
        else
        {
            SetProviderRetryHint(response);
            response.ContentType = "application/json";
            if (dialect == RefusalDialect.JsonRpc && feature!.JsonRpcId is { } id)
            {
                // A JSON-RPC error is an answer to the call, not an HTTP failure.
                response.StatusCode = StatusCodes.Status200OK;
                jsonRpcId = id;
            }
        }

        return JsonResponseBody.WriteAsync(response, (dialect, problem, facts, extensions, jsonRpcId), static (writer, s) =>
        {
            var (dialect, problem, facts, extensions, jsonRpcId) = s;
            if (dialect == RefusalDialect.Problem)
            {
                WriteProblem(writer, problem, facts, extensions);
            }
            else if (jsonRpcId is { } id)
            {
                ProviderRefusalBody.WriteJsonRpc(writer, facts, id);
            }
            else
            {
                ProviderRefusalBody.WriteOpenAI(writer, facts);
            }
        }, context.RequestAborted);
    }

    /// <summary>The one problem+json body: <c>type, title, status, detail, code, request_id</c>, then <c>decision</c>, <c>explanation</c> and extensions.</summary>
    private static void WriteProblem(Utf8JsonWriter writer, ProblemShape problem, RefusalFacts facts, Action<Utf8JsonWriter>? extensions)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, problem.Type ?? TypePrefix + facts.Code);
        writer.WriteString("title"u8, problem.Title ?? TitleFor(facts.Status));
        writer.WriteNumber("status"u8, facts.Status);
        if (problem.Detail is not null)
        {
            writer.WriteString("detail"u8, problem.Detail);
        }

        writer.WriteString("code"u8, facts.Code);
        ProviderRefusalBody.WriteFacts(writer, facts);
        extensions?.Invoke(writer);
        writer.WriteEndObject();
    }

    /// <summary>Official provider clients retry on 408/409/429/5xx: tell them not to, unless a short wait helps.</summary>
    private static void SetProviderRetryHint(HttpResponse response)
    {
        var retryAfter = response.Headers.RetryAfter;
        var seconds = retryAfter.Count > 0 && int.TryParse(retryAfter[0], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : (int?)null;
        if (seconds is { } wait && wait <= MaxProviderRetryAfter.TotalSeconds)
        {
            response.Headers["x-should-retry"] = "true";
            return;
        }

        response.Headers.Remove("Retry-After");
        response.Headers["x-should-retry"] = "false";
    }

    private static string TitleFor(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Approval Required",
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
