using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Gamut.Agent;

/// <summary>
/// A Microsoft.Extensions.AI <see cref="AIFunction"/> backed by <see cref="GamutClient.InvokeToolAsync"/>:
/// the result is the connector's result; a refusal is returned as its explanation so the model sees why.
/// It carries no credential and no URL: the gateway holds both.
/// </summary>
public sealed class GamutToolFunction : AIFunction
{
    private static readonly JsonElement OpenObject = JsonDocument.Parse("""{"type":"object","properties":{},"additionalProperties":true}""").RootElement.Clone();
    private readonly GamutClient _gamut;
    private readonly ApprovalWait? _waitForApproval;

    /// <param name="gamut">The client.</param>
    /// <param name="tool">The catalog name, e.g. <c>crm.read_contact</c>.</param>
    /// <param name="description">What the tool does, for the model.</param>
    /// <param name="parametersSchema">The JSON schema of the arguments (default: any object).</param>
    /// <param name="waitForApproval">Wait on a required approval and retry once with the warrant.</param>
    public GamutToolFunction(GamutClient gamut, string tool, string? description = null, JsonElement? parametersSchema = null, ApprovalWait? waitForApproval = null)
    {
        ArgumentNullException.ThrowIfNull(gamut);
        ArgumentException.ThrowIfNullOrEmpty(tool);
        _gamut = gamut;
        Tool = tool;
        Name = string.Concat(tool.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_'));
        Description = description ?? $"Governed tool {tool} (through the gateway).";
        JsonSchema = parametersSchema ?? OpenObject;
        _waitForApproval = waitForApproval;
    }

    /// <summary>The catalog name this function invokes.</summary>
    public string Tool { get; }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override string Description { get; }

    /// <inheritdoc/>
    public override JsonElement JsonSchema { get; }

    /// <inheritdoc/>
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var args = new JsonObject();
        foreach (var (name, value) in arguments)
        {
            args[name] = value switch
            {
                null => null,
                JsonElement element => JsonNode.Parse(element.GetRawText()),
                JsonNode node => node.DeepClone(),
                string text => JsonValue.Create(text),
                _ => JsonNode.Parse(JsonSerializer.Serialize(value, value.GetType(), AIJsonUtilities.DefaultOptions)),
            };
        }

        try
        {
            var action = await _gamut.InvokeToolAsync(Tool, args, new ToolCallOptions { WaitForApproval = _waitForApproval }, cancellationToken).ConfigureAwait(false);
            return action.Result is { } result ? result : null;
        }
        catch (GamutException refusal) when (GamutRefusals.IsRefusal(refusal))
        {
            return GamutRefusals.Explain(refusal);
        }
    }
}
