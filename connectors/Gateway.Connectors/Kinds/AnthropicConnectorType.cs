using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Models;
using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>anthropic</c>: the Anthropic API. Governed calls go to <c>messages</c> with
/// <c>anthropic-version</c>; the transparent route forwards messages, token counting and the model
/// listing. Every request is written for the Messages API.
/// </summary>
public sealed class AnthropicConnectorType : ModelConnectorType
{
    private static readonly (string Method, string[] Path)[] AnthropicOperations =
    [
        ("POST", ["messages"]), ("POST", ["messages", "count_tokens"]), ("GET", ["models"]), ("GET", ["models", "*"]),
    ];

    private static readonly KeyValuePair<string, string>[] VersionHeader = [new("anthropic-version", UpstreamEnvelopes.AnthropicVersion)];

    internal AnthropicConnectorType()
        : base(ConnectorKind.Anthropic)
    {
    }

    /// <inheritdoc/>
    public override string InferencePath => "messages";

    /// <summary>Anthropic's error object, which the official Anthropic clients read.</summary>
    public override ErrorFormat ErrorFormat => ErrorFormat.AnthropicError;

    /// <inheritdoc/>
    public override ModelApi InferenceApi => ModelApi.AnthropicMessages;

    /// <inheritdoc/>
    private protected override IReadOnlyList<(string Method, string[] Path)> Operations => AnthropicOperations;

    /// <inheritdoc/>
    private protected override IReadOnlyList<KeyValuePair<string, string>> ApiHeaders => VersionHeader;

    /// <summary>Always <see cref="ModelApi.AnthropicMessages"/>.</summary>
    public override ModelApi? ModelApiFor(string requestPath) => ModelApi.AnthropicMessages;
}
