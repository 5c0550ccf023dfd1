using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// The JSON a state store keeps of an approval request: its wire form (<see cref="OversightJson.ApprovalRequest"/>)
/// without the state (<c>status</c>, <c>approvals</c>, <c>decided_at</c>, <c>decided_by</c>), which lives in the
/// request's votes and its one outcome. Read back, a request is pending with no approvals.
/// </summary>
internal static class StoredApprovalJson
{
    private static readonly string[] StateMembers =
    [
        .. new[] { nameof(ApprovalRequest.Status), nameof(ApprovalRequest.Approvals), nameof(ApprovalRequest.DecidedAt), nameof(ApprovalRequest.DecidedBy) }
            .Select(JsonNamingPolicy.SnakeCaseLower.ConvertName),
    ];

    private static readonly JsonTypeInfo<ApprovalRequest> StoredForm = (JsonTypeInfo<ApprovalRequest>)new JsonSerializerOptions(OversightJsonContext.Default.Options)
    {
        TypeInfoResolver = OversightJsonContext.Default.WithAddedModifier(static info =>
        {
            if (info.Type != typeof(ApprovalRequest))
            {
                return;
            }

            foreach (var state in info.Properties.Where(static p => StateMembers.Contains(p.Name)))
            {
                state.ShouldSerialize = static (_, _) => false;
                state.IsRequired = false;
            }
        }),
    }.GetTypeInfo(typeof(ApprovalRequest));

    /// <summary>The stored JSON of <paramref name="request"/> (its state left out).</summary>
    public static string Write(ApprovalRequest request) => JsonSerializer.Serialize(request, StoredForm);

    /// <summary>The request stored as <paramref name="json"/>: pending, with no approvals.</summary>
    public static ApprovalRequest? Read(string json) =>
        JsonSerializer.Deserialize(json, StoredForm) is { } stored ? stored with { Status = ApprovalStatus.Pending, Approvals = [] } : null;
}
