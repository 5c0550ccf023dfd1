using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Gamut.Agent;

/// <summary>
/// The optional members of an evaluate or invoke-tool request, and whether to wait on an approval. <see cref="ToString"/>
/// leaves out <see cref="Warrant"/> and <see cref="PersonToken"/> (bearer values).
/// </summary>
public sealed record ToolCallOptions
{
    /// <summary><c>[{"kind": "url|host|…", "value": "…"}]</c>.</summary>
    public JsonArray? Targets { get; init; }

    /// <summary>Widens the catalog's data classes, never narrows them.</summary>
    public IReadOnlyList<string>? DataClasses { get; init; }

    /// <summary><c>[{"arg_path": "$.content", "source": "user|system|tool_output|external"}]</c>.</summary>
    public JsonArray? Provenance { get; init; }

    /// <summary>An approval warrant to present.</summary>
    public string? Warrant { get; init; }

    public bool? Simulate { get; init; }

    /// <summary>When set, a required approval is waited on and the request retried once with its warrant.</summary>
    public ApprovalWait? WaitForApproval { get; init; }

    /// <summary>
    /// The identity token of the person this call acts for (sent as <c>X-Gamut-Person</c>, covered by the signature);
    /// overrides <see cref="GamutClient.ForPerson"/>'s. Refused before sending (<see cref="GamutConfigurationException"/>) unless
    /// it is a compact JWS (three base64url parts).
    /// </summary>
    public string? PersonToken { get; init; }

    /// <summary>Overrides the client's timeout for this call.</summary>
    public TimeSpan? Timeout { get; init; }

    // The compiler's ToString prints every member: this one leaves out the warrant and the person's token.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Targets = {Targets}, DataClasses = {DataClasses}, Provenance = {Provenance}, Simulate = {Simulate}, ");
        builder.Append(CultureInfo.InvariantCulture, $"WaitForApproval = {WaitForApproval}, Timeout = {Timeout}");
        return true;
    }
}
