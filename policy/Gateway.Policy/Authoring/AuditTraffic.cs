using System.Text.Json;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Reads traffic exported from the audit journal (JSON Lines, one record per line, as <c>GET /admin/v1/tenants/{t}/audit</c>
/// or the file sink writes them) into simulation cases. The journal never holds payloads, so each case carries the
/// tenant, workspace, agent and tool only: argument, target and provenance conditions see an empty request.
/// Admin actions and records without a tool are skipped.
/// </summary>
public static class AuditTraffic
{
    public static IReadOnlyList<PolicyFixture> Read(string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!File.Exists(path))
        {
            errors.Add($"{path}: no such file");
            return [];
        }

        var cases = new List<PolicyFixture>();
        var line = 0;
        foreach (var text in File.ReadLines(path))
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
