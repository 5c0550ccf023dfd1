using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Pipeline;

/// <summary>Per-request state shared by the pipeline stages: who is asking, what body they sent, how it ended.</summary>
public sealed class GatewayRequestFeature
{
    public GatewayRequestFeature(string requestId) => RequestId = requestId;

    /// <summary>The gateway's own id for this request.</summary>
    public string RequestId { get; }

    /// <summary>A well-formed id the client sent, kept for correlation only.</summary>
    public string? ClientRequestId { get; set; }

    /// <summary>Set by authentication once the signature, timestamp and nonce are accepted.</summary>
    public AgentIdentity? Agent { get; set; }

    /// <summary>The exact body bytes the signature covered (empty when there was none).</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary>The format refusals are written in; set once the route knows its connector's kind.</summary>
    public RefusalDialect Dialect { get; set; }

    /// <summary>For <see cref="RefusalDialect.JsonRpc"/>: the id (raw JSON) of the request being answered.</summary>
    public string? JsonRpcId { get; set; }

    /// <summary>The status and code of a refusal, when the gateway refused.</summary>
    public int? RefusalStatus { get; private set; }

    public string? RefusalCode { get; private set; }

    public void RecordRefusal(int status, string code)
    {
        RefusalStatus = status;
        RefusalCode = code;
    }
}
