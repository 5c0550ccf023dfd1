using System.Text.Json;
using Gateway.Connectors.Mcp;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// An upstream's JSON-RPC <c>error</c> (a remote A2A agent's, an MCP server's) as the gateway relays it, without what only
/// the gateway may say: a code the gateway itself answers under on that route (its refusal code
/// <see cref="ProviderRefusalBody.JsonRpcRefusalCode"/>, -31000, and on <c>/mcp</c> its URL elicitation's -32042, ...)
/// becomes <see cref="RemappedCode"/> with the upstream's code kept as <c>data.remote_code</c>, and <c>data</c> loses the
/// members of the gateway's refusals (<see cref="IsGatewayMember"/>: <c>decision</c>, <c>explanation</c>, <c>approval</c>,
/// <c>link_url</c>, <c>elicitations</c>), so a client cannot take it for the gateway's refusal or its link to open. An
/// error with none of them is passed on as it is, uncopied.
/// </summary>
internal static class UpstreamJsonRpcError
{
    /// <summary>The code an upstream's error under one of the gateway's codes is passed on under (JSON-RPC's internal error).</summary>
    public const int RemappedCode = -32603;

    /// <summary>Writes <paramref name="error"/> without the gateway's codes (<paramref name="reservedCodes"/>) or its refusals' members.</summary>
    public static void Write(Utf8JsonWriter writer, JsonElement error, IReadOnlyList<int> reservedCodes)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(reservedCodes);
        if (error.ValueKind != JsonValueKind.Object)
        {
            error.WriteTo(writer);
            return;
        }

        // Names are matched as a lenient reader matches them (Go's encoding/json takes "Code" for "code", the last one
        // read winning): every spelling of the code and of data is looked at, and a rewritten error has one of each.
        int? reserved = null;
        var marked = false;
        foreach (var member in error.EnumerateObject())
        {
            var name = McpMemberNames.Fold(member.Name);
            if (name == "CODE" && ReservedCode(member.Value, reservedCodes) is { } code)
            {
                reserved = code;
            }
            else if (name == "DATA" && member.Value.ValueKind == JsonValueKind.Object)
            {
                marked |= member.Value.EnumerateObject().Any(static d => IsGatewayMember(d));
            }
        }

        if (reserved is null && !marked)
        {
            error.WriteTo(writer);
            return;
        }

        writer.WriteStartObject();
        var (wroteCode, wroteData) = (false, false);
        foreach (var member in error.EnumerateObject())
        {
            var name = McpMemberNames.Fold(member.Name);
            if (name == "CODE")
            {
                if (!wroteCode)
                {
                    writer.WritePropertyName("code"u8);
                    if (reserved is not null)
                    {
                        writer.WriteNumberValue(RemappedCode);
                    }
                    else
                    {
                        member.Value.WriteTo(writer);
                    }
                }

                wroteCode = true;
            }
            else if (name == "DATA")
            {
                if (!wroteData && member.Value.ValueKind == JsonValueKind.Object)
                {
                    writer.WriteStartObject("data"u8);
                    foreach (var item in member.Value.EnumerateObject())
                    {
                        if (!IsGatewayMember(item) && !(reserved is not null && McpMemberNames.Fold(item.Name) == "REMOTECODE"))
                        {
                            item.WriteTo(writer);
                        }
                    }

                    WriteRemoteCode(writer, reserved);
                    writer.WriteEndObject();
                    wroteData = true;
                }
            }
            else
            {
                member.WriteTo(writer);
            }
        }

        if (!wroteData && reserved is not null)
        {
            writer.WriteStartObject("data"u8);
            WriteRemoteCode(writer, reserved);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>The members of <c>data</c> that only the gateway's refusals carry: its decision and the approval or link to act on.</summary>
    public static bool IsGatewayMember(JsonProperty member) =>
        McpMemberNames.Fold(member.Name) is "DECISION" or "EXPLANATION" or "APPROVAL" or "LINKURL" or "ELICITATIONS";

    // One of the reserved codes however the number is spelled (-31000.0 and -3.1e4 read as it in JavaScript and Python).
    private static int? ReservedCode(JsonElement code, IReadOnlyList<int> reservedCodes)
    {
        if (code.ValueKind != JsonValueKind.Number || !code.TryGetDouble(out var number))
        {
            return null;
        }

        foreach (var reserved in reservedCodes)
        {
            if (number == reserved)
            {
                return reserved;
            }
        }

        return null;
    }

    private static void WriteRemoteCode(Utf8JsonWriter writer, int? reserved)
    {
        if (reserved is { } code)
        {
            writer.WriteNumber("remote_code"u8, code);
        }
    }
}
