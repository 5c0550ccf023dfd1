using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Gamut.Agent;

/// <summary>
/// A message to a remote agent through the gateway (docs/a2a.md): <see cref="Text"/> and/or <see cref="Data"/> become its
/// parts, or <see cref="Parts"/> are sent as given (in the wire version's own shape). <see cref="ToString"/> leaves out
/// <see cref="Warrant"/> (a bearer value).
/// </summary>
public sealed record A2aMessage
{
    /// <summary>The remote agent's skill, sent as <c>params.metadata["gamut.dev/skill"]</c>; its <c>a2a_skill</c> entry decides it.</summary>
    public string? Skill { get; init; }

    public string? Text { get; init; }

    public JsonObject? Data { get; init; }

    public JsonArray? Parts { get; init; }

    /// <summary>Default: a fresh id. The retry of a held message resends its id (<see cref="GamutApprovalRequiredException.MessageId"/>).</summary>
    public string? MessageId { get; init; }

    public string? TaskId { get; init; }

    public string? ContextId { get; init; }

    public JsonObject? Metadata { get; init; }

    /// <summary>An approval's warrant, sent as <c>params.metadata["gamut.dev/warrant"]</c> (the retry of a held message).</summary>
    public string? Warrant { get; init; }

    // The compiler's ToString prints every member: this one leaves out the warrant.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Skill = {Skill}, Text = {Text}, Data = {Data}, Parts = {Parts}, MessageId = {MessageId}, ");
        builder.Append(CultureInfo.InvariantCulture, $"TaskId = {TaskId}, ContextId = {ContextId}, Metadata = {Metadata}");
        return true;
    }
}
