namespace Gateway.Connectors.Models;

/// <summary>The provider API a model request is written for.</summary>
public enum ModelApi
{
    /// <summary>OpenAI <c>/chat/completions</c> (and compatible servers).</summary>
    OpenAIChatCompletions,

    /// <summary>OpenAI's legacy <c>/completions</c> (and compatible servers: Ollama, llama.cpp), which reads only <c>max_tokens</c>.</summary>
    OpenAICompletions,

    /// <summary>OpenAI <c>/responses</c>.</summary>
    OpenAIResponses,

    /// <summary>Anthropic <c>/messages</c>.</summary>
    AnthropicMessages,
}
