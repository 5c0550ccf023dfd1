using Gateway.Connectors.Results;
using Gateway.Connectors.Streaming;
using Gateway.Connectors.Workspace;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Forward;

/// <summary>
/// The forward stage's record, added by the route's response transform once the upstream has
/// answered: its status, and either the redacted result (native routes), the streams the answer is
/// passing through (provider route; completed by the Respond stage), or the refusal when the answer
/// cannot be passed on (too large, undecodable, not text redaction can read, an unreadable tools/list) — nothing of it was sent.
/// </summary>
/// <param name="Status">The status the upstream answered with.</param>
internal sealed record UpstreamResponse(int Status)
{
    /// <summary>Native routes: the result the agent receives.</summary>
    public ConnectorResult? Result { get; init; }

    /// <summary>Provider route: the transformed body stream, completed after forwarding to flush held-back bytes.</summary>
    public BodyTransformStream? Stream { get; init; }

    /// <summary>Provider route: the outermost stream, counting the upstream's bytes against the connector's limit.</summary>
    public ResponseSizeLimitStream? SizeLimit { get; init; }

    /// <summary>A read of a workspace store: the items of its pack that were not returned (null for any other answer).</summary>
    public IReadOnlyList<WithheldItems>? Withheld { get; init; }

    /// <summary>
    /// A streamed A2A request whose remote agent answered with an event stream: what was relayed to the caller as it came
    /// (with <see cref="Refusal"/> when the stream could not be relayed to its end: the Respond stage ends it with an error event).
    /// </summary>
    public A2aRelayedStream? A2aStream { get; init; }

    /// <summary>The answer could not be passed on; nothing of it was sent (for an A2A stream: nothing more).</summary>
    public Refusal? Refusal { get; init; }

    /// <summary>
    /// Provider route: the refusal of an answer that crossed the connector's limit while it streamed (the stream was
    /// aborted), or null while it stayed within it.
    /// </summary>
    public Refusal? LimitCrossed => SizeLimit is { Exceeded: true } limit ? TooLarge(limit.Limit) : null;

    /// <summary>
    /// The refusal for an answer redaction cannot read (a media type or charset it does not read, bytes that are not UTF-8,
    /// UTF-16 or UTF-32 text, a NUL byte): a clean 502 <c>response_uninspectable</c> when it is found before anything of the
    /// answer was sent, the connection aborted when found after (the outcome records it either way).
    /// </summary>
    public static readonly Refusal Uninspectable = new(StatusCodes.Status502BadGateway, ProblemCodes.ResponseUninspectable,
        "The upstream's answer is not text the gateway can inspect for redaction (a media type it does not read, a charset other than UTF-8 or one that spells ASCII as UTF-8 does, bytes that are not valid UTF-8, UTF-16 or UTF-32 text, a NUL byte); nothing of it was passed on.");

    /// <summary>
    /// The refusal for an upstream's redirect on the provider route: followed, it would take the agent's request (its body,
    /// its person token) where the gateway governs nothing, or fetch what it never inspects.
    /// </summary>
    public static readonly Refusal Redirected = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        "The upstream answered with a redirect, which the gateway does not pass on: following it would send the request where the gateway governs nothing, or fetch what it does not inspect.");

    /// <summary>The refusal for an answer beyond the connector's <c>max_response_bytes</c>.</summary>
    public static Refusal TooLarge(long maxResponseBytes) =>
        new(StatusCodes.Status502BadGateway, ProblemCodes.ResponseTooLarge,
            $"The upstream's response exceeds the connector's limit of {maxResponseBytes} bytes (max_response_bytes).");
}
