namespace Gateway.Connectors.Models;

/// <summary>The provider API a model request is written for.</summary>
public enum ModelApi
{
    /// <summary>OpenAI <c>/chat/completions</c> (and compatible servers).</summary>
    OpenAIChatCompletions,

    /// <summary>OpenAI <c>/responses</c>.</summary>
    OpenAIResponses,

    /// <summary>Anthropic <c>/messages</c>.</summary>
    AnthropicMessages,
}
