using System.Text.Json;
using Gateway.Oversight;
using Gateway.Oversight.Approvals;
using Gateway.Policy;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// The agent protocol's decision responses: 200 with the decision (and the connector's result when
/// invoked), or the refusal each decision maps to (403 block, 409 require_approval).
/// </summary>
internal static class DecisionResponseWriter
{
    /// <summary>
    /// A 200 response: <c>{invoked, decision, explanation, decision_token?, result?}</c>, with the route's own
    /// <paramref name="members"/> (extensions, written before the result) when it has any. A request that asked for
    /// <c>Prefer: return=minimal</c> (<see cref="ReturnPreference"/>) gets the compact answer: <c>explanation_digest</c>
    /// (the audit record's) instead of <c>explanation</c>, no <c>receipt</c> member (the <c>Gamut-Receipt</c> header
    /// carries it), and <c>Preference-Applied: return=minimal</c>; everything else as in the full answer.
    /// </summary>
    public static Task WriteDecisionAsync(HttpContext context, GovernedDecision governed, bool invoked, ReadOnlyMemory<byte> resultJson = default, int? upstreamStatus = null,
        Action<Utf8JsonWriter>? members = null)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        var feature = context.Features.Get<GatewayRequestFeature>();
        var receipt = feature?.Receipt;
        var digest = CompactDigest(context, feature);
        if (digest is not null)
        {
            response.Headers[ReturnPreference.AppliedHeader] = ReturnPreference.Minimal;
        }

        return JsonResponseBody.WriteAsync(response, (governed, invoked, resultJson, upstreamStatus, members, receipt, digest), static (writer, s) =>
        {
            var (governed, invoked, resultJson, upstreamStatus, members, receipt, digest) = s;
            writer.WriteStartObject();
            writer.WriteBoolean("invoked"u8, invoked);
            writer.WriteString("decision"u8, WireNames.Of(governed.Kind));
            if (digest is not null)
            {
                // The compact answer: the explanation named by its audit record's digest; the receipt in the header only.
                writer.WriteString("explanation_digest"u8, digest);
                receipt = null;
            }
            else
            {
                writer.WritePropertyName("explanation"u8);
                writer.WriteRawValue(governed.ExplanationJson.Span, skipInputValidation: true);
            }

            if (governed.DecisionToken is not null)
            {
                writer.WriteString("decision_token"u8, governed.DecisionToken);
            }

            WriteApproval(writer, governed);
            if (governed.Decision.Simulated)
            {
                writer.WriteBoolean("simulated"u8, true);
                writer.WriteString("would_be"u8, WireNames.Of(governed.Decision.WouldBe));
            }

            WriteReceipt(writer, receipt);
            if (upstreamStatus is { } upstream)
            {
                // An extension member: the connector ran, and this is what its upstream answered.
                writer.WriteNumber("upstream_status"u8, upstream);
            }

            members?.Invoke(writer);
            if (!resultJson.IsEmpty)
            {
                writer.WritePropertyName("result"u8);
                writer.WriteRawValue(resultJson.Span, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }, context.RequestAborted);
    }

    /// <summary>
    /// The digest to answer with instead of the explanation: the recorded decision's <c>explanation_digest</c> when the
    /// request asked for <c>Prefer: return=minimal</c>; null (the full answer) otherwise, or when the record has none.
    /// </summary>
    private static string? CompactDigest(HttpContext context, GatewayRequestFeature? feature) =>
        context.Request.Headers.TryGetValue(ReturnPreference.PreferHeader, out var prefer)
        && feature?.Find<Record.RecordedDecision>()?.ExplanationDigest is { } digest
        && ReturnPreference.IsMinimal(prefer)
            ? digest
            : null;

    /// <summary>The refusal for a decision that does not forward: 403 for the blocks, 409 for require_approval.</summary>
    public static Refusal RefusalFor(GovernedDecision governed, string? receipt)
    {
        var (status, code, detail) = governed.Kind switch
        {
            _ when governed.EvaluationMismatch => (StatusCodes.Status403Forbidden, ProblemCodes.DecisionTokenMismatch,
                "The decision token presented was evaluated for another action; nothing was forwarded."),
            DecisionKind.RequireApproval when governed.WarrantRejection == WarrantReasons.AlreadyUsed => (StatusCodes.Status409Conflict, ProblemCodes.WarrantRejected,
                $"The warrant was refused ({WarrantReasons.AlreadyUsed}): the approval named here was carried out once; no new approval request was opened."),
            DecisionKind.RequireApproval when governed.WarrantRejection is not null => (StatusCodes.Status409Conflict, ProblemCodes.WarrantRejected,
                governed.ApprovalReused
                    ? $"The warrant was refused ({governed.WarrantRejection}); this action already awaits the approval named here."
                    : $"The warrant was refused ({governed.WarrantRejection}); a new approval request was opened."),
            DecisionKind.RequireApproval when governed.ApprovalReused => (StatusCodes.Status409Conflict, ProblemCodes.ApprovalRequired,
                "A named human must approve this action, and it already awaits the approval named here (no new one was opened); poll it and retry with its warrant."),
            DecisionKind.RequireApproval => (StatusCodes.Status409Conflict, ProblemCodes.ApprovalRequired,
                "A named human must approve this action; poll the approval and retry with its warrant."),
            DecisionKind.BlockAndOpenIncident => (StatusCodes.Status403Forbidden, ProblemCodes.BlockedIncidentOpened,
                "The action is blocked and an incident was opened."),
            DecisionKind.Block when BlockedAsALoop(governed.Decision) => (StatusCodes.Status403Forbidden, ProblemCodes.RunLoopDetected,
                "The same action was repeated too often in this run (run_limits.loop), so it is blocked; change it, or start a new run."),
            _ => (StatusCodes.Status403Forbidden, ProblemCodes.Blocked, "The action is blocked by policy."),
        };
        return WithDecision(new Refusal(status, code, detail), governed, receipt);
    }

    /// <summary>True when the run's loop detection asked for the block (an approval or an incident it chose keeps its own code).</summary>
    private static bool BlockedAsALoop(Decision decision)
    {
        foreach (var trigger in decision.Explanation.RuleTriggers)
        {
            if (trigger.ReasonCode == RunLimitExplanations.LoopDetected && trigger.Effect == DecisionKind.Block)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A refusal after the decision: the decision and its explanation go with it, and <c>invoked</c> (false, unless the
    /// call was forwarded and the upstream may have received it: <paramref name="invoked"/>, <see cref="UpstreamReach"/>),
    /// with the approval or incident, when there is one, and the decision's signed receipt: in problem+json and in the
    /// provider's own error object alike. The refusal's own members (a per_person connector's <c>link_url</c>) follow.
    /// </summary>
    public static Refusal WithDecision(Refusal refusal, GovernedDecision governed, string? receipt, bool invoked = false) => refusal with
    {
        // A refusal that carries its own decision keeps it (a kill switch the store read with the decision record).
        Decision = refusal.Decision ?? WireNames.Of(governed.Kind),
        ExplanationJson = refusal.Decision is null ? governed.ExplanationJson : refusal.ExplanationJson,
        Members = writer =>
        {
            writer.WriteBoolean("invoked"u8, invoked);
            WriteApproval(writer, governed);
            if (governed.IncidentId is not null)
            {
                writer.WriteString("incident_id"u8, governed.IncidentId);
            }

            WriteReceipt(writer, receipt);
            refusal.Members?.Invoke(writer);
        },
    };

    /// <summary>An extension member: the decision's signed receipt (docs/evidence.md); a client that does not know it ignores it.</summary>
    private static void WriteReceipt(Utf8JsonWriter writer, string? receipt)
    {
        if (receipt is not null)
        {
            writer.WriteString("receipt"u8, receipt);
        }
    }

    private static void WriteApproval(Utf8JsonWriter writer, GovernedDecision governed)
    {
        if (governed.Approval is { } approval)
        {
            writer.WriteStartObject("approval"u8);
            writer.WriteString("id"u8, approval.Id);
            writer.WriteString("url"u8, approval.Url);
            writer.WriteEndObject();
        }
    }
}
