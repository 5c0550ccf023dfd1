using System.Text.Json;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Reads traffic exported from the audit journal (JSON Lines, one record per line, as <c>GET /admin/v1/tenants/{t}/audit</c>
/// or the file sink writes them; the host reads the file) into simulation cases. The journal never holds payloads, so each case carries the
/// tenant, workspace, agent and tool only: argument, target and provenance conditions see an empty request.
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
                var decision = Str(record, "decision");
                var tool = Str(record, "tool");
                var agent = Str(record, "agent");
                if (tool is null || agent is null || decision is null || decision == "admin_action")
                {
                    continue;
                }

                cases.Add(new PolicyFixture
                {
                    Name = $"{Path.GetFileName(path)}:{line} seq {(record.TryGetProperty("seq", out var seq) ? seq.GetRawText() : "?")} {agent} {tool}",
                    Source = $"{Path.GetFileName(path)}:{line}",
                    Tenant = Str(record, "tenant"),
                    Workspace = Str(record, "workspace"),
                    Agent = agent,
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

    private static string? Str(JsonElement record, string name)
        => record.ValueKind == JsonValueKind.Object && record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
