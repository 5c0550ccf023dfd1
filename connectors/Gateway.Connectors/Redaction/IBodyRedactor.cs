using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redacts a response body that arrives in chunks. Redacted bytes are appended to the output as soon as they are safe.
/// Create one with <see cref="BodyRedactors.For"/>.
/// </summary>
public interface IBodyRedactor : IBodyTransform
{
    /// <summary>What has been redacted so far.</summary>
    RedactionCounts Counts { get; }
}
