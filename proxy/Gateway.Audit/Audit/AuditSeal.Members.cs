using System.Buffers;
using Gateway.Policy;
using Gateway.Policy.Canonical;

namespace Gateway.Audit;

internal static partial class AuditSeal
{
    /// <summary>Each request's outcome of a folded record, in arrival order: only what varies, members sorted, absent values left out.</summary>
    private static void WriteOutcomes(CanonicalJsonWriter json, IReadOnlyList<AuditOutcome> outcomes) =>
        WriteArray(json, outcomes, static (json, outcome) =>
        {
            var members = new MemberWriter(json);
            json.WriteRaw("{"u8);
            members.Boolean("invoked"u8, outcome.Invoked);
            members.Number("latency_ms"u8, outcome.LatencyMs);
            members.Redactions(outcome.Redactions);
            members.String("request_id"u8, outcome.RequestId);
            members.Number("status_code"u8, outcome.StatusCode);
            members.Number("upstream_status"u8, outcome.UpstreamStatus);
            json.WriteRaw("}"u8);
        });

    /// <summary>Each request's decision of a folded record, in arrival order: its intent digest and id, members sorted, absent values left out.</summary>
    private static void WriteDecisions(CanonicalJsonWriter json, IReadOnlyList<AuditDecision> decisions) =>
        WriteArray(json, decisions, static (json, decision) =>
        {
            var members = new MemberWriter(json);
            json.WriteRaw("{"u8);
            members.String("intent_digest"u8, decision.IntentDigest);
            members.String("request_id"u8, decision.RequestId);
            json.WriteRaw("}"u8);
        });

    /// <summary>A run's event: its members sorted (<c>by</c>, <c>detail</c>, <c>name</c>, <c>type</c>), absent values left out, the detail canonical.</summary>
    private static void WriteRunEvent(CanonicalJsonWriter json, AuditRunEvent runEvent)
    {
        var members = new MemberWriter(json);
        json.WriteRaw("{"u8);
        members.String("by"u8, runEvent.By);
        if (runEvent.Detail is { } detail)
        {
            members.Name("detail"u8);
            json.WriteElement(detail);
        }

        members.String("name"u8, runEvent.Name);
        members.String("type"u8, runEvent.Type);
        json.WriteRaw("}"u8);
    }

    /// <summary>A remote agent's task state: its members sorted (<c>id</c>, <c>state</c>).</summary>
    private static void WriteA2aTask(CanonicalJsonWriter json, AuditA2aTask task)
    {
        var members = new MemberWriter(json);
        json.WriteRaw("{"u8);
        members.String("id"u8, task.Id);
        members.String("state"u8, task.State);
        json.WriteRaw("}"u8);
    }

    /// <summary>The actor chain, first principal first: each link's members sorted (<c>id</c>, <c>kind</c>, <c>name</c>, <c>run_id</c>), absent values left out.</summary>
    private static void WriteActorChain(CanonicalJsonWriter json, IReadOnlyList<ActorLink> chain) =>
        WriteArray(json, chain, static (json, link) =>
        {
            var members = new MemberWriter(json);
            json.WriteRaw("{"u8);
            members.String("id"u8, link.Id);
            members.String("kind"u8, WireNames.Of(link.Kind));
            members.String("name"u8, link.Name);
            members.String("run_id"u8, link.RunId);
            json.WriteRaw("}"u8);
        });

    private static void WriteStrings(CanonicalJsonWriter json, IReadOnlyList<string> values) =>
        WriteArray(json, values, static (json, value) => json.WriteString(value));

    /// <summary>A JSON array of <paramref name="items"/>, each written by <paramref name="write"/>, in order.</summary>
    private static void WriteArray<T>(CanonicalJsonWriter json, IReadOnlyList<T> items, Action<CanonicalJsonWriter, T> write)
    {
        json.WriteRaw("["u8);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                json.WriteRaw(","u8);
            }

            write(json, items[i]);
        }

        json.WriteRaw("]"u8);
    }

    /// <summary>The redaction counts sorted by ordinal name (a handful of data classes: sorted in place on the stack's copy, no LINQ).</summary>
    private static void WriteRedactions(CanonicalJsonWriter json, IReadOnlyDictionary<string, int> redactions)
    {
        var pairs = ArrayPool<KeyValuePair<string, int>>.Shared.Rent(redactions.Count);
        try
        {
            var count = 0;
            foreach (var pair in redactions)
            {
                pairs[count++] = pair;
            }

            var span = pairs.AsSpan(0, count);
            span.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            json.WriteRaw("{"u8);
            for (var i = 0; i < span.Length; i++)
            {
                if (i > 0)
                {
                    json.WriteRaw(","u8);
                }

                json.WriteString(span[i].Key);
                json.WriteRaw(":"u8);
                json.WriteNumber(span[i].Value);
            }

            json.WriteRaw("}"u8);
        }
        finally
        {
            ArrayPool<KeyValuePair<string, int>>.Shared.Return(pairs, clearArray: true);
        }
    }
}
