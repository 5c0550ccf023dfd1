using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Requests MCP servers send the client in the middle of a call on <c>/mcp</c> (<c>sampling/createMessage</c>,
/// <c>elicitation/create</c>): each is given an id of the gateway's own (<see cref="IdPrefix"/> and 128 random bits, so
/// that two servers' ids never meet in one client session and no agent can guess another's), kept in the state store
/// with where its answer goes, and relayed to the client. The client's answer, on whichever replica it arrives, is
/// taken once (<see cref="TakeAsync"/>) and sent to the server under the server's own id.
/// </summary>
internal sealed class McpServerRequests
{
    /// <summary>The start of every id the gateway gives a server's request.</summary>
    public const string IdPrefix = "gamut-ask-";

    private readonly IStateStore _store;
    private readonly TimeSpan _lifetime;

    public McpServerRequests(IStateStore store, IOptions<McpEndpointOptions> options)
    {
        _store = store;
        _lifetime = options.Value.IdleTimeout;
    }

    /// <summary>True when <paramref name="id"/> (raw JSON) is one the gateway gave a server's request.</summary>
    public static bool IsRelayId(string? id) => id is { Length: > 2 } && id[0] == '"' && id.AsSpan(1).StartsWith(IdPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Keeps where the answer to <paramref name="request"/> (a JSON-RPC request object whose raw id is
    /// <paramref name="id"/>) goes, and returns the request under the id the client is to answer (<see cref="ForClient"/>).
    /// </summary>
    public async ValueTask<byte[]> HoldAsync(McpCallOrigin origin, string id, string method, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(origin);
        var relayId = IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var record = new ServerRequestRecord(origin.Agent, origin.Server, origin.Upstream, origin.Session, id, method);
        await _store.SetAsync(StoreKeys.McpServerRequest(origin.Tenant, relayId), JsonSerializer.Serialize(record, McpSessionJsonContext.Default.ServerRequestRecord), _lifetime, cancellationToken).ConfigureAwait(false);
        return ForClient(request.Span, JsonSerializer.Serialize(relayId, McpSessionJsonContext.Default.String), method);
    }

    /// <summary>
    /// The server's request as the client receives it: under <paramref name="id"/> (raw JSON), and a <c>sampling/createMessage</c>
    /// asking for no context (<c>params.includeContext</c>, its members' names read without case, is <c>"none"</c>): the client's
    /// one session with the gateway holds every server's calls, so "thisServer" or "allServers" would hand this server what
    /// policy gave others.
    /// </summary>
    private static byte[] ForClient(ReadOnlySpan<byte> request, string id, string method) =>
        Rewritten(request, id, withoutContext: method == "sampling/createMessage");

    /// <summary>
    /// The request the client answers under <paramref name="id"/> (raw JSON), taken so that it is answered once: null when
    /// there is none for this agent (answered already, expired, or another agent's).
    /// </summary>
    public async ValueTask<ServerRequestRecord?> TakeAsync(string tenant, string agent, string id, CancellationToken cancellationToken)
    {
        if (!IsRelayId(id) || id.Length > 128)
        {
            return null;
        }

        // Read first, taken only for its own agent: another agent's answer leaves the request waiting for the right one.
        var key = StoreKeys.McpServerRequest(tenant, JsonSerializer.Deserialize(id, McpSessionJsonContext.Default.String)!);
        var stored = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (stored is null || JsonSerializer.Deserialize(stored, McpSessionJsonContext.Default.ServerRequestRecord) is not { } record
            || !string.Equals(record.Agent, agent, StringComparison.Ordinal))
        {
            return null;
        }

        return await _store.TakeAsync(key, cancellationToken).ConfigureAwait(false) is null ? null : record;
    }

    /// <summary><paramref name="message"/> (a JSON-RPC object) with its <c>id</c> replaced by <paramref name="id"/>, raw JSON.</summary>
    public static byte[] WithRawId(ReadOnlySpan<byte> message, string id) => Rewritten(message, id, withoutContext: false);

    /// <summary>As <see cref="WithRawId(ReadOnlySpan{byte}, string)"/>, of a message already parsed (the client's answer on <c>/mcp</c>).</summary>
    public static byte[] WithRawId(JsonElement message, string id, int sizeHint = 256) => Rewritten(message, id, sizeHint, withoutContext: false);

    /// <summary>As <see cref="Rewritten(JsonElement, string, int, bool)"/>, of a message not parsed yet.</summary>
    private static byte[] Rewritten(ReadOnlySpan<byte> message, string id, bool withoutContext)
    {
        using var document = JsonDocument.Parse(message.ToArray());
        return Rewritten(document.RootElement, id, message.Length + 16, withoutContext);
    }

    /// <summary><paramref name="message"/> under <paramref name="id"/>; with <paramref name="withoutContext"/>, its <c>params</c> asking for no context.</summary>
    private static byte[] Rewritten(JsonElement message, string id, int sizeHint, bool withoutContext)
    {
        var buffer = new ArrayBufferWriter<byte>(sizeHint);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("id"u8);
            writer.WriteRawValue(id);
            foreach (var property in message.EnumerateObject())
            {
                if (withoutContext && property.Value.ValueKind == JsonValueKind.Object && string.Equals(property.Name, "params", StringComparison.OrdinalIgnoreCase))
                {
                    writer.WritePropertyName(property.Name);
                    WriteWithoutContext(property.Value, writer);
                }
                else if (!property.NameEquals("id"u8))
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes a sampling request's <paramref name="parameters"/> with any <c>includeContext</c> as <c>"none"</c>.</summary>
    private static void WriteWithoutContext(JsonElement parameters, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var member in parameters.EnumerateObject())
        {
            if (string.Equals(member.Name, "includeContext", StringComparison.OrdinalIgnoreCase))
            {
                writer.WriteString(member.Name, "none");
            }
            else
            {
                member.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }
}
