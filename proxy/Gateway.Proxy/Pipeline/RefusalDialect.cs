namespace Gateway.Proxy.Pipeline;

/// <summary>The error format a refusal is written in: the one the client on this route understands.</summary>
public enum RefusalDialect
{
    /// <summary>RFC 9457 <c>application/problem+json</c>: the native <c>/v1</c> routes, and a provider route before its connector is known unless its target is an OpenAI or Anthropic API operation (<c>Refusals/ProviderDialect</c>).</summary>
    Problem,

    /// <summary>An OpenAI error object <c>{"error":{"message","type","code","param"}}</c>: <c>/providers/{openai-kind}</c>.</summary>
    OpenAI,

    /// <summary>An Anthropic error object <c>{"type":"error","error":{"type","message"}}</c>: <c>/providers/{anthropic}</c>, and before the connector is known a target only the Anthropic API has (<c>POST messages</c>).</summary>
    Anthropic,

    /// <summary>A JSON-RPC 2.0 error answering the request's id, the decision in <c>error.data</c>: <c>/providers/{mcp}</c>.</summary>
    JsonRpc,
}
