using System.Text.Json;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// A refusal in a provider's own format (<see cref="Pipeline.RefusalDialect"/>), so official clients show the
/// gateway's code and message instead of "400 (no body)". Each carries the same facts as the
/// problem+json form: code, request id, decision and explanation.
/// </summary>
internal static class ProviderRefusalBody
{
    /// <summary>
    /// The JSON-RPC error code of a refusal by the gateway: an application-defined code outside the range JSON-RPC
    /// reserves (-32768 to -32000), where the MCP specification and its official SDKs assign their own codes (the
    /// TypeScript SDK's <c>RequestTimeout</c> is -32001, so a client could not tell policy from its own timeout). The
    /// refusal's stable code is in <c>error.data.code</c>.
    /// </summary>
    public const int JsonRpcRefusalCode = -31000;

    /// <summary><c>{"error":{"message","type","code","param","request_id","decision","explanation"}}</c>.</summary>
    public static void WriteOpenAI(Utf8JsonWriter writer, Refusal refusal, string requestId)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, refusal.Detail ?? string.Empty);
        writer.WriteString("type"u8, OpenAIType(refusal.Status));
        writer.WriteString("code"u8, refusal.Code);
        writer.WriteNull("param"u8);
        WriteFacts(writer, refusal, requestId);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>{"jsonrpc":"2.0","id":…,"error":{"code":-31000,"message","data":{code,status,request_id,decision,explanation,…}}}</c>;
    /// <c>data</c> ends with the refusal's own members (<c>invoked</c>, an approval to wait for, an incident). A refusal
    /// <see cref="Refusal.AsToolError"/> is a tool result with <c>isError</c> instead, <c>data</c> under
    /// <c>_meta["gamut.dev/refusal"]</c>.
    /// </summary>
    public static void WriteJsonRpc(Utf8JsonWriter writer, Refusal refusal, string requestId, string id)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0");
        writer.WritePropertyName("id"u8);
        writer.WriteRawValue(id, skipInputValidation: false);
        if (refusal.JsonRpcResult is { } result)
        {
            // {"result":{…the result's members…,"_meta":{"gamut.dev/request_id","gamut.dev/refusal":{…data}}}}
            writer.WriteStartObject("result"u8);
            result(writer);
            WriteRefusalMeta(writer, refusal, requestId);
            writer.WriteEndObject();
            writer.WriteEndObject();
            return;
        }

        if (refusal.AsToolError)
        {
            // {"result":{"content":[{"type":"text","text":detail}],"isError":true,"_meta":{"gamut.dev/refusal":{…data}}}}
            writer.WriteStartObject("result"u8);
            writer.WriteStartArray("content"u8);
            writer.WriteStartObject();
            writer.WriteString("type"u8, "text");
            writer.WriteString("text"u8, refusal.Detail ?? string.Empty);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteBoolean("isError"u8, true);
            WriteRefusalMeta(writer, refusal, requestId);
            writer.WriteEndObject();
            writer.WriteEndObject();
            return;
        }

        writer.WriteStartObject("error"u8);
        writer.WriteNumber("code"u8, refusal.JsonRpcCode ?? JsonRpcRefusalCode);
        writer.WriteString("message"u8, refusal.Detail ?? string.Empty);
        writer.WritePropertyName("data"u8);
        WriteJsonRpcData(writer, refusal, requestId);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>A refusal said as a JSON-RPC result: <c>_meta</c> with the request id and the refusal's <c>data</c>.</summary>
    private static void WriteRefusalMeta(Utf8JsonWriter writer, Refusal refusal, string requestId)
    {
        writer.WriteStartObject("_meta"u8);
        writer.WriteString("gamut.dev/request_id"u8, requestId);
        writer.WritePropertyName("gamut.dev/refusal"u8);
        WriteJsonRpcData(writer, refusal, requestId);
        writer.WriteEndObject();
    }

    /// <summary>A JSON-RPC refusal's <c>data</c>: <c>{code,status,retry_after_seconds,request_id,decision,explanation,…}</c>.</summary>
    private static void WriteJsonRpcData(Utf8JsonWriter writer, Refusal refusal, string requestId)
    {
        writer.WriteStartObject();
        writer.WriteString("code"u8, refusal.Code);
        writer.WriteNumber("status"u8, refusal.Status);
        if (RefusalResponse.RetrySeconds(refusal) is { } wait)
        {
            // Retry-After in the data too, as problem+json has it, for a client that reads the error and not its headers.
            writer.WriteNumber("retry_after_seconds"u8, wait);
        }

        WriteFacts(writer, refusal, requestId);
        refusal.Members?.Invoke(writer);
        writer.WriteEndObject();
    }

    /// <summary>The members every refusal format shares: <c>request_id</c>, then <c>decision</c> and <c>explanation</c> when decided.</summary>
    public static void WriteFacts(Utf8JsonWriter writer, Refusal refusal, string requestId)
    {
        writer.WriteString("request_id"u8, requestId);
        if (refusal.LinkUrl is not null)
        {
            writer.WriteString("link_url"u8, refusal.LinkUrl);
        }

        if (refusal.Decision is not null)
        {
            writer.WriteString("decision"u8, refusal.Decision);
        }

        if (!refusal.ExplanationJson.IsEmpty)
        {
            writer.WritePropertyName("explanation"u8);
            writer.WriteRawValue(refusal.ExplanationJson.Span, skipInputValidation: true);
        }
    }

    private static string OpenAIType(int status) => status switch
    {
        401 => "authentication_error",
        403 or 409 => "permission_error",
        404 => "not_found_error",
        413 or 400 or 415 or 408 => "invalid_request_error",
        429 => "rate_limit_error",
        _ => "server_error",
    };
}
