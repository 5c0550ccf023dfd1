using System.Text.Json;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// A refusal as the Anthropic API's error object (<see cref="Pipeline.RefusalDialect.Anthropic"/>), which the official
/// Anthropic clients read: <c>{"type":"error","error":{"type","message","code","request_id","decision","explanation",…},"request_id"}</c>.
/// <c>error.type</c> is the type Anthropic answers the status with; the gateway's stable code is <c>error.code</c>, and the
/// refusal's own members (<c>invoked</c>, an approval to wait for, a run's limit) follow the shared facts.
/// </summary>
internal static class AnthropicRefusalBody
{
    /// <summary>Writes <paramref name="refusal"/> as an Anthropic error object.</summary>
    public static void Write(Utf8JsonWriter writer, Refusal refusal, string requestId)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error");
        writer.WriteStartObject("error"u8);
        writer.WriteString("type"u8, ErrorType(refusal.Status));
        writer.WriteString("message"u8, refusal.Detail ?? string.Empty);
        writer.WriteString("code"u8, refusal.Code);
        ProviderRefusalBody.WriteFacts(writer, refusal, requestId);
        refusal.Members?.Invoke(writer);
        writer.WriteEndObject();
        writer.WriteString("request_id"u8, requestId);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The <c>error.type</c> Anthropic answers <paramref name="status"/> with (its "HTTP errors"): any other 4xx (a 409 held
    /// for approval, a 408, a 415) is <c>invalid_request_error</c>, as Anthropic says it may be; any other 5xx <c>api_error</c>.
    /// </summary>
    public static string ErrorType(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };
}
