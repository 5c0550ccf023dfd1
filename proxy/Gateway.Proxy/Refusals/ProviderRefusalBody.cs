using System.Text.Json;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// The bodies of refusals in a provider's own format (<see cref="RefusalDialect"/>), so official
/// clients show the gateway's code and message instead of "400 (no body)". Each carries the same
/// facts as the problem+json form: code, request id, decision and explanation.
/// </summary>
internal static class ProviderRefusalBody
{
    /// <summary>The JSON-RPC error code of a refusal by the gateway (implementation-defined server error range).</summary>
    public const int JsonRpcRefusalCode = -32001;

    /// <summary><c>{"error":{"message","type","code","param","request_id","decision","explanation"}}</c>.</summary>
    public static void WriteOpenAI(Utf8JsonWriter writer, RefusalFacts facts)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, facts.Detail);
        writer.WriteString("type"u8, OpenAIType(facts.Status));
        writer.WriteString("code"u8, facts.Code);
        writer.WriteNull("param"u8);
        WriteFacts(writer, facts);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary><c>{"jsonrpc":"2.0","id":…,"error":{"code":-32001,"message","data":{code,status,request_id,decision,explanation}}}</c>.</summary>
    public static void WriteJsonRpc(Utf8JsonWriter writer, RefusalFacts facts, string id)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0");
        writer.WritePropertyName("id"u8);
        writer.WriteRawValue(id, skipInputValidation: false);
        writer.WriteStartObject("error"u8);
        writer.WriteNumber("code"u8, JsonRpcRefusalCode);
        writer.WriteString("message"u8, facts.Detail);
        writer.WriteStartObject("data"u8);
        writer.WriteString("code"u8, facts.Code);
        writer.WriteNumber("status"u8, facts.Status);
        WriteFacts(writer, facts);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The members every refusal format shares: <c>request_id</c>, then <c>decision</c> and <c>explanation</c> when decided.</summary>
    public static void WriteFacts(Utf8JsonWriter writer, RefusalFacts facts)
    {
        writer.WriteString("request_id"u8, facts.RequestId);
        if (facts.Decision is not null)
        {
            writer.WriteString("decision"u8, facts.Decision);
        }

        if (!facts.ExplanationJson.IsEmpty)
        {
            writer.WritePropertyName("explanation"u8);
            writer.WriteRawValue(facts.ExplanationJson.Span, skipInputValidation: true);
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
