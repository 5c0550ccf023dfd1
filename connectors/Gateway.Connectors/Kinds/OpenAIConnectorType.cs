using Gateway.Connectors.Models;
using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>openai</c>: the OpenAI API or a compatible server. Governed calls go to <c>chat/completions</c>
/// (a streamed one asked to report usage); the transparent route forwards chat completions,
/// completions, responses, embeddings and the model listing; refusals there are OpenAI error objects.
/// </summary>
public sealed class OpenAIConnectorType : ModelConnectorType
{
    private static readonly (string Method, string[] Path)[] OpenAIOperations =
    [
        ("POST", ["chat", "completions"]), ("POST", ["completions"]), ("POST", ["responses"]), ("POST", ["embeddings"]),
        ("GET", ["models"]), ("GET", ["models", "*"]),
    ];

    internal OpenAIConnectorType()
        : base(ConnectorKind.OpenAI)
    {
    }

    /// <inheritdoc/>
    public override ErrorFormat ErrorFormat => ErrorFormat.OpenAIError;

    /// <inheritdoc/>
    public override string InferencePath => "chat/completions";

    /// <inheritdoc/>
    public override ModelApi InferenceApi => ModelApi.OpenAIChatCompletions;

    /// <inheritdoc/>
    private protected override IReadOnlyList<(string Method, string[] Path)> Operations => OpenAIOperations;

    /// <summary>
    /// <see cref="ModelApi.OpenAIResponses"/> for a path ending in <c>/responses</c>, <see cref="ModelApi.OpenAICompletions"/>
    /// for one ending in <c>/completions</c> but not <c>/chat/completions</c> (in any case, with or without a trailing
    /// <c>/</c>, as a lenient server routes it), else chat completions.
    /// </summary>
    public override ModelApi? ModelApiFor(string requestPath)
    {
        ArgumentNullException.ThrowIfNull(requestPath);
        return ModelApiPath.EndsIn(requestPath, "responses") ? ModelApi.OpenAIResponses
            : ModelApiPath.EndsIn(requestPath, "completions") && !ModelApiPath.EndsIn(requestPath, "chat/completions") ? ModelApi.OpenAICompletions
            : ModelApi.OpenAIChatCompletions;
    }
}
