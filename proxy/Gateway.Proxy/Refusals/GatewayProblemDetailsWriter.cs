using System.Text.Json;
using Gateway.Oversight;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// The gateway's <see cref="IProblemDetailsWriter"/>: every problem the framework produces (routing's
/// 404 and 405 through the status-code pages, a binding 400, the exception handler's 500) and every
/// endpoint's <c>TypedResults.Problem</c> (the admin API) is written by <see cref="RefusalResponse"/>,
/// the one writer, with a stable <c>code</c> and the request id. Framework extensions (<c>traceId</c>,
/// exception details) are never written. A body the server refused while an endpoint read it is the client's fault: its
/// 4xx (<see cref="DependencyFailures"/>), logged at Information, never as an error.
/// </summary>
internal sealed partial class GatewayProblemDetailsWriter : IProblemDetailsWriter
{
    private const string CodeMember = "code";

    private readonly ILogger<GatewayProblemDetailsWriter> _logger;

    public GatewayProblemDetailsWriter(ILogger<GatewayProblemDetailsWriter> logger) => _logger = logger;

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var details = context.ProblemDetails;
        var status = details.Status ?? http.Response.StatusCode;
        if (context.Exception is not null)
        {
            // The exception handler: nothing of the exception is said, whatever the framework filled in, but a
            // dependency's failure is named as the stages name it. On a provider route that failed before Describe, in
            // the dialect its target presumes.
            ProviderDialect.PresumeFor(http);
            var failure = DependencyFailures.RefusalFor(context.Exception) ?? Refusal.Internal() with { Status = status };
            if (DependencyFailures.IsClientFault(context.Exception))
            {
                LogBodyRefused(_logger, failure.Status, failure.Code);
            }

            return new ValueTask(RefusalResponse.WriteFrameworkProblemAsync(http, failure));
        }

        var code = details.Extensions.TryGetValue(CodeMember, out var given) && given is string named ? named : CodeFor(status);

        // An endpoint's problem with a title of its own and no detail leaves detail out, as it asked.
        var detail = details.Detail ?? (details.Title is null ? DetailFor(status) : null);
        var refusal = new Refusal(status, code, detail) { Type = details.Type, Title = details.Title, Members = Extensions(details) };
        return new ValueTask(RefusalResponse.WriteFrameworkProblemAsync(http, refusal));
    }

    /// <summary>The string, number and boolean members an endpoint added, except those the writer owns.</summary>
    private static Action<Utf8JsonWriter>? Extensions(ProblemDetails details)
    {
        var own = 0;
        foreach (var key in details.Extensions.Keys)
        {
            if (IsOwned(key))
            {
                own++;
            }
        }

        if (own == details.Extensions.Count)
        {
            return null;
        }

        return writer =>
        {
            foreach (var (key, value) in details.Extensions)
            {
                if (IsOwned(key))
                {
                    continue;
                }

                switch (value)
                {
                    case string text:
                        writer.WriteString(key, text);
                        break;
                    case bool flag:
                        writer.WriteBoolean(key, flag);
                        break;
                    case int or long:
                        writer.WriteNumber(key, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    case JsonElement element:
                        writer.WritePropertyName(key);
                        element.WriteTo(writer);
                        break;
                }
            }
        };
    }

    /// <summary>Members the writer sets itself, and the framework's own that the gateway never sends.</summary>
    private static bool IsOwned(string key) =>
        key is CodeMember or "request_id" or "decision" or "explanation" or "traceId" or "exception" or "errors";

    private static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ProblemCodes.BadRequest,
        StatusCodes.Status404NotFound => ProblemCodes.NotFound,
        StatusCodes.Status405MethodNotAllowed => ProblemCodes.MethodNotAllowed,
        StatusCodes.Status408RequestTimeout => ProblemCodes.RequestTimeout,
        StatusCodes.Status413PayloadTooLarge => ProblemCodes.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ProblemCodes.UnsupportedMediaType,
        _ => ProblemCodes.InternalError,
    };

    private static string DetailFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be read.",
        StatusCodes.Status404NotFound => "No route matches this request.",
        StatusCodes.Status405MethodNotAllowed => "This route does not accept the request's method.",
        StatusCodes.Status408RequestTimeout => "The request did not arrive in time.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "The request's content type is not accepted here.",
        _ => "The gateway failed to handle the request; nothing was forwarded.",
    };

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "A request body was refused while an endpoint read it: {Status} {Code}")]
    private static partial void LogBodyRefused(ILogger logger, int status, string code);
}
