using System.Text;
using System.Text.Json;

namespace Gamut.Agent;

/// <summary>
/// What a framework bridge hands the model when the gateway refused a tool call: the decision and its
/// remedies, so the agent sees why. Failures of the path itself (authentication, timeout, identity,
/// unreachable gateway) are not turned into text: they stop the run.
/// </summary>
public static class GamutRefusals
{
    /// <summary>True when the exception is a governance refusal (the model may read why and change course).</summary>
    public static bool IsRefusal(Exception exception) => exception is GamutDeniedException or GamutApprovalRequiredException
        or GamutApprovalDeniedException or GamutApprovalExpiredException or GamutApprovalTimeoutException
        or GamutNotInvokedException or GamutSecretMaterialException;

    /// <summary>One plain-text explanation of a refusal.</summary>
    public static string Explain(GamutException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var text = new StringBuilder().Append("REFUSED by the gateway (").Append(refusal.Decision ?? refusal.Code).Append("): ").Append(refusal.Message);
        if (refusal.Explanation is { ValueKind: JsonValueKind.Object } explanation && explanation.TryGetProperty("decision_path", out var path) && path.ValueKind == JsonValueKind.Array)
        {
            foreach (var control in path.EnumerateArray())
            {
                if (control.TryGetProperty("outcome", out var outcome) && outcome.GetString() == "fail")
                {
                    var missing = control.TryGetProperty("missing_evidence", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : "failed";
                    text.Append("\n- ").Append(control.GetProperty("control").GetString()).Append(": ").Append(missing);
                }
            }
        }

        foreach (var remedy in refusal.Remedies)
        {
            text.Append("\n- to change this: ").Append(remedy);
        }

        if (refusal is GamutApprovalRequiredException required)
        {
            text.Append("\n- approval request: ").Append(required.ApprovalId);
        }

        return text.ToString();
    }
}
