using System.Text.Json;
using Gateway.Connectors.Detection;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// What the payload says about itself: provider configuration or secret material in it (<see cref="SecretMaterialDetector"/>)
/// is refused here, once the action is described, before anything is admitted or counted: 400
/// <c>secret_material_in_payload</c>, recorded under the action's tool (an agent that sends credentials is what a
/// security team wants to see). The body is read from the description's parse when there is one, else from the bytes; a
/// provider route's query (which reaches the upstream as sent) is read first (<see cref="SecretMaterialDetector.ScanQuery"/>).
/// </summary>
internal static class SecretMaterialInPayload
{
    /// <summary>The refusal of <paramref name="action"/> when its query or <paramref name="body"/> carries secret material; null otherwise.</summary>
    public static Refusal? RefusalOf(ReadOnlyMemory<byte> body, DescribedAction action)
    {
        var findings = action.Target is { RawQuery.Length: > 1 } target ? SecretMaterialDetector.ScanQuery(target.RawQuery) : [];
        if (findings.Count == 0 && !body.IsEmpty)
        {
            findings = action.Body.ValueKind == JsonValueKind.Undefined ? SecretMaterialDetector.Scan(body.Span) : SecretMaterialDetector.Scan(action.Body);
        }

        return findings is [var finding, ..] && finding is not null
            ? new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.SecretMaterialInPayload,
                $"The {(finding.Path.StartsWith('?') ? "query" : "payload")} carries provider configuration or secret material ({finding.KindName} at {finding.Path}); the gateway holds credentials, agents never send them.")
            {
                AuditTool = action.Request.Tool,
            }
            : null;
    }
}
