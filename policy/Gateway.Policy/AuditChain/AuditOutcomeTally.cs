using System.Text.Json;

namespace Gateway.Policy.AuditChain;

/// <summary>
/// The decisions of a tenant's chains that were to be carried out and have no outcome: "outcome unknown". A record with
/// no <c>status_code</c> (or 0), no <c>invoked</c> and no <c>outcomes</c> is a decision written before its request was
/// forwarded, for its <c>request_id</c> or each of its <c>decisions</c>; a later record naming the request with a status
/// (its <c>request_id</c>, one of its <c>outcomes</c> or of a repeated refusal's <c>request_ids</c>; a remote agent's task
/// state is not one) is its outcome. The
/// gateway appends an outcome right after its answer, so a crash in between leaves such a decision: counted and named
/// here, never a broken chain. Decision and outcome of a request are in the same chain, the outcome after.
/// </summary>
public sealed class AuditOutcomeTally
{
    /// <summary>The most request ids <see cref="UnknownRequestIds"/> names (the count is exact).</summary>
    public const int MaxListed = 100;

    /// <summary>The decision of a record of a remote agent's task state: never an outcome.</summary>
    private const string A2aTaskState = "a2a_task_state";

    // Each decision still waiting for its outcome, with its place in the order the records came.
    private readonly Dictionary<string, long> _waiting = new(StringComparer.Ordinal);
    private long _seen;

    /// <summary>How many decisions to be carried out have no outcome record (so far).</summary>
    public long Unknown => _waiting.Count;

    /// <summary>The request ids of those decisions, in the order their decisions were recorded: the first <see cref="MaxListed"/>.</summary>
    public IReadOnlyList<string> UnknownRequestIds =>
        [.. _waiting.OrderBy(static w => w.Value).Take(MaxListed).Select(static w => w.Key)];

    /// <summary>Takes the next record of a chain (a record that follows: not an anchor or an explanation line).</summary>
    public void Observe(JsonElement record)
    {
        if (record.TryGetProperty("outcomes", out var outcomes) && outcomes.ValueKind == JsonValueKind.Array)
        {
            foreach (var outcome in outcomes.EnumerateArray())
            {
                Resolve(RequestId(outcome));
            }

            return;
        }

        var answered = record.TryGetProperty("status_code", out var status) && status.ValueKind == JsonValueKind.Number && (!status.TryGetInt32(out var code) || code != 0)
            || record.TryGetProperty("invoked", out var invoked) && invoked.ValueKind == JsonValueKind.True;
        if (!answered)
        {
            Wait(RequestId(record));
            if (record.TryGetProperty("decisions", out var decisions) && decisions.ValueKind == JsonValueKind.Array)
            {
                foreach (var decision in decisions.EnumerateArray())
                {
                    Wait(RequestId(decision));
                }
            }

            return;
        }

        if (!(record.TryGetProperty("decision", out var name) && name.ValueKind == JsonValueKind.String && name.ValueEquals(A2aTaskState)))
        {
            Resolve(RequestId(record));
            if (record.TryGetProperty("request_ids", out var requestIds) && requestIds.ValueKind == JsonValueKind.Array)
            {
                // A refusal standing for several requests (a storm of one refusal) is each one's outcome.
                foreach (var requestId in requestIds.EnumerateArray())
                {
                    Resolve(requestId.ValueKind == JsonValueKind.String ? requestId.GetString() : null);
                }
            }
        }
    }

    private static string? RequestId(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private void Wait(string? requestId)
    {
        if (requestId is not null)
        {
            _waiting[requestId] = _seen++;
        }
    }

    private void Resolve(string? requestId)
    {
        if (requestId is not null)
        {
            _waiting.Remove(requestId);
        }
    }
}
