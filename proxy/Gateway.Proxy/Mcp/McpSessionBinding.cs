using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Security;
using Gateway.Store;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Binds an upstream MCP session id on a per-server route (<c>/providers/&lt;server&gt;</c>) to the agent it was opened
/// for, statelessly: the agent holds <c>S.&lt;mac&gt;</c>, where mac is base64url(HMAC-SHA256(k, tenant \n agent \n
/// connector \n S)) cut to 128 bits, and k = HKDF-SHA256(the active data-encryption key, info
/// <c>gamut-mcp-session-binding-v1</c>): the key only the gateway holds (executors hold the decision-signing key, webhook
/// receivers the service key), as for access tokens. Any replica verifies a bound id; rotating the data key ends every bound
/// session (its client is answered 404 and initializes again).
/// </summary>
internal sealed class McpSessionBinding
{
    /// <summary>The longest bound id read; a longer one is not one the gateway gave.</summary>
    public const int MaxBoundLength = 1024;

    private const int MacBytes = 16;
    private const int MacChars = 22; // base64url of 16 bytes, unpadded
    private static readonly byte[] DerivationInfo = "gamut-mcp-session-binding-v1"u8.ToArray();
    private readonly HmacKey _key;

    public McpSessionBinding(GatewayKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _key = HmacKey.Derive(keys.DataKeys.Active.Key, DerivationInfo);
    }

    /// <summary>The id the agent is given for the upstream's session <paramref name="upstreamSessionId"/>.</summary>
    public string Bind(McpSessionOwner owner, string upstreamSessionId)
    {
        ArgumentNullException.ThrowIfNull(upstreamSessionId);
        Span<byte> mac = stackalloc byte[HmacKey.MacSize];
        Compute(owner, upstreamSessionId, mac);
        return string.Concat(upstreamSessionId, ".", Base64Url.EncodeToString(mac[..MacBytes]));
    }

    /// <summary>True, with the upstream's session id, when <paramref name="bound"/> was given to <paramref name="owner"/> (compared in constant time).</summary>
    public bool TryUnbind(McpSessionOwner owner, string? bound, out string upstreamSessionId)
    {
        upstreamSessionId = string.Empty;
        var dot = bound?.LastIndexOf('.') ?? -1;
        if (bound is null || bound.Length > MaxBoundLength || dot < 1 || bound.Length - dot - 1 != MacChars)
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[MacBytes];
        // The OperationStatus overload: TryDecodeFromChars throws on a character outside the alphabet, and this is the client's text.
        if (Base64Url.DecodeFromChars(bound.AsSpan(dot + 1), presented, out _, out var written) != OperationStatus.Done || written != MacBytes)
        {
            return false;
        }

        var upstream = bound[..dot];
        Span<byte> expected = stackalloc byte[HmacKey.MacSize];
        Compute(owner, upstream, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected[..MacBytes], presented))
        {
            return false;
        }

        upstreamSessionId = upstream;
        return true;
    }

    // HMAC over "tenant \n agent \n connector \n S": ids and names are identifiers, and a header value holds no line break;
    // with the acting person, "\n person \n <length>:issuer <length>:subject" after it (a subject is the provider's to spell).
    private void Compute(McpSessionOwner owner, string upstreamSessionId, Span<byte> mac)
    {
        var bound = string.Join('\n', owner.Tenant, owner.Agent, owner.Connector, upstreamSessionId);
        if (owner.Person is { } person)
        {
            bound = string.Concat(bound, "\nperson\n", StoreKeys.LengthPrefixed(person.Issuer), StoreKeys.LengthPrefixed(person.Subject));
        }

        _key.Compute(Encoding.UTF8.GetBytes(bound), mac);
    }
}
