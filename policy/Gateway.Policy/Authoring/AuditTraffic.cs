using System.Text.Json;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Reads traffic exported from the audit journal (JSON Lines, one record per line, as <c>GET /admin/v1/tenants/{t}/audit</c>
/// or the file sink writes them; the host reads the file) into simulation cases. The journal never holds payloads, so each case carries the
/// tenant, workspace, agent, person and tool only: argument, target and provenance conditions see an empty request. A
/// delegated child's record is its registered agent's (<see cref="AuditRecordActors"/>, as <c>regress init</c> maps it; its
/// grant's narrowing is not replayed), and the person acted for keeps the recorded subject but no groups.
/// Admin actions and records without a tool are skipped.
/// </summary>
public static class AuditTraffic
{
    /// <summary>The cases of the file <paramref name="path"/> (errors name it; cases its file name), whose lines are <paramref name="lines"/>.</summary>
    public static IReadOnlyList<PolicyFixture> Read(string path, IEnumerable<string> lines, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(errors);
        var cases = new List<PolicyFixture>();
        var line = 0;
        foreach (var text in lines)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(text);
                var record = document.RootElement;
                // A shadow tenant's record enforced allow/allow_and_log: its policy decided explanation.would_be.
                var decision = WouldBe(record) ?? AuditRecordActors.Str(record, "decision");
                var tool = AuditRecordActors.Str(record, "tool");
                var agent = AuditRecordActors.RegisteredAgent(record);
                if (tool is null || agent is null || decision is null || decision == "admin_action")
                {
                    continue;
                }

                cases.Add(new PolicyFixture
                {
                    Name = $"{Path.GetFileName(path)}:{line} seq {(record.TryGetProperty("seq", out var seq) ? seq.GetRawText() : "?")} {agent} {tool}",
                    Source = $"{Path.GetFileName(path)}:{line}",
                    Tenant = AuditRecordActors.Str(record, "tenant"),
                    Workspace = AuditRecordActors.Str(record, "workspace"),
                    Agent = agent,
                    Person = AuditRecordActors.Person(record),
                    Request = new ActionRequest { Tool = tool },
                    Recorded = WireNames.TryParse<DecisionKind>(decision, out var kind) ? kind : null,
                });
            }
            catch (JsonException ex)
            {
                errors.Add($"{path}:{line}: not a JSON audit record ({ex.Message})");
            }
        }

        return cases;
    }

    private static string? WouldBe(JsonElement record)
        => record.ValueKind == JsonValueKind.Object && record.TryGetProperty("simulated", out var simulated) && simulated.ValueKind == JsonValueKind.True
            && record.TryGetProperty("explanation", out var explanation) ? AuditRecordActors.Str(explanation, "would_be") : null;
}
