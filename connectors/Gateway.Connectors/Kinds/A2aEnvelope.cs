using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// The request a governed A2A call sends the remote agent: the JSON-RPC request the calling agent sent (its method in the
/// arguments' <c>a2a_method</c>, its params in <c>a2a</c>), POSTed to the agent's endpoint under a fresh id of the
/// gateway's (<c>a2a-1</c>, …; <c>a2a-stream-1</c>, … for a streamed request, whose answer is read as a stream of
/// replies: <see cref="Results.A2aEventStreamReader"/>) that its reply is read by.
/// </summary>
internal static class A2aEnvelope
{
    private static long s_nextId;

    public static UpstreamEnvelope Build(CatalogEntry entry, JsonElement args)
    {
        if (args.ValueKind != JsonValueKind.Object
            || !args.TryGetProperty(A2aSkillConnectorType.MethodMember, out var method) || method.ValueKind != JsonValueKind.String
            || !args.TryGetProperty(A2aSkillConnectorType.ParamsMember, out var parameters) || parameters.ValueKind != JsonValueKind.Object)
        {
            throw new ConnectorArgumentException($"a call of '{entry.Name}' needs the A2A request's method and params.");
        }

        var streamed = method.GetString() is "SendStreamingMessage" or "message/stream" or "SubscribeToTask" or "tasks/resubscribe";
        var id = (streamed ? Results.A2aEventStreamReader.StreamIdPrefix : "a2a-") + Interlocked.Increment(ref s_nextId).ToString(CultureInfo.InvariantCulture);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0");
            writer.WriteString("id"u8, id);
            writer.WriteString("method"u8, method.GetString());
            writer.WritePropertyName("params"u8);
            parameters.WriteTo(writer);
            writer.WriteEndObject();
        }

        return new UpstreamEnvelope
        {
            Method = "POST",
            Body = buffer.ToArray(),
            Headers = [new("Accept", "application/json, text/event-stream"), new("A2A-Version", method.GetString()!.Contains('/', StringComparison.Ordinal) ? "0.3" : "1.0")],
            JsonRpcId = id,
        };
    }
}
