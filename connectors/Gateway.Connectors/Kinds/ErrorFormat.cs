namespace Gateway.Connectors.Kinds;

/// <summary>The format a connector kind's own API answers errors in (<see cref="ConnectorType.ErrorFormat"/>).</summary>
public enum ErrorFormat
{
    /// <summary>RFC 9457 <c>application/problem+json</c>: the gateway's own format, for every API without one a client expects.</summary>
    Problem,

    /// <summary>OpenAI's error object: <c>{"error": {"message", "type", "code", "param"}}</c>.</summary>
    OpenAIError,

    /// <summary>Anthropic's error object: <c>{"type": "error", "error": {"type", "message"}}</c>.</summary>
    AnthropicError,

    /// <summary>A JSON-RPC 2.0 error reply to the request's id.</summary>
    JsonRpc,
}
