using System.Text.Json;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.A2a;

/// <summary>
/// A remote agent's answer as the gateway relays it, without what only the gateway may say: the members of its results'
/// <c>metadata</c> objects (at any depth: a task's, its status message's, its artifacts', a stream event's) whose names
/// start with <c>gamut.dev/</c> are removed, so a remote agent cannot answer as if the gateway had held its message for
/// approval (<c>gamut.dev/approval</c>); and its JSON-RPC error is passed on without the gateway's refusal code
/// (<see cref="ProviderRefusalBody.JsonRpcRefusalCode"/>, -31000, which becomes <see cref="UpstreamJsonRpcError.RemappedCode"/>, the remote's
/// code kept as <c>data.remote_code</c>) or a decision (<c>data.decision</c>, <c>data.explanation</c>,
/// <c>data.approval</c>, <c>data.link_url</c>, <c>data.elicitations</c>: <see cref="UpstreamJsonRpcError"/>, which
/// <c>/mcp</c> shares), so an SDK cannot take it for the gateway's refusal. An answer with none of them is passed on
/// as it is, uncopied.
/// </summary>
internal static class A2aRemoteAnswer
{
    /// <summary>The prefix of the metadata members only the gateway writes.</summary>
    public const string GatewayMetaPrefix = "gamut.dev/";

    /// <summary>The code the gateway itself refuses under on an A2A route, which a remote agent's error is not passed on under.</summary>
    private static readonly int[] GatewayCodes = [ProviderRefusalBody.JsonRpcRefusalCode];

    /// <summary>Writes <paramref name="result"/>, a remote agent's <c>result</c>, without the gateway's metadata members.</summary>
    public static void WriteResult(Utf8JsonWriter writer, JsonElement result)
    {
        if (HasGatewayMeta(result, inMetadata: false))
        {
            Copy(writer, result, inMetadata: false);
        }
        else
        {
            result.WriteTo(writer);
        }
    }

    /// <summary>Writes <paramref name="error"/>, a remote agent's JSON-RPC <c>error</c>, without the gateway's refusal code or a decision.</summary>
    public static void WriteError(Utf8JsonWriter writer, JsonElement error) => UpstreamJsonRpcError.Write(writer, error, GatewayCodes);

    /// <summary>A copy of <paramref name="element"/> without the gateway's members in its <c>metadata</c> objects.</summary>
    private static void Copy(Utf8JsonWriter writer, JsonElement element, bool inMetadata)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var member in element.EnumerateObject())
                {
                    if (inMetadata && IsGatewayMeta(member.Name))
                    {
                        continue;
                    }

                    writer.WritePropertyName(member.Name);
                    Copy(writer, member.Value, member.NameEquals("metadata"u8));
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Copy(writer, item, inMetadata: false);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static bool HasGatewayMeta(JsonElement element, bool inMetadata)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    if ((inMetadata && IsGatewayMeta(member.Name)) || HasGatewayMeta(member.Value, member.NameEquals("metadata"u8)))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (HasGatewayMeta(item, inMetadata: false))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static bool IsGatewayMeta(string name) => name.StartsWith(GatewayMetaPrefix, StringComparison.OrdinalIgnoreCase);
}
