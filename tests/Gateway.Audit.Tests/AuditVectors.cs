using System.Text;
using System.Text.Json;

namespace Gateway.Audit.Tests;

/// <summary>
/// The inputs of the recorded audit chain (Fixtures/audit-chain-vectors.jsonl; since outcomes fold,
/// Fixtures/audit-chain-vectors-folded.jsonl with a decision before forwarding and a folded outcome record; since decisions
/// fold, Fixtures/audit-chain-vectors-decisions.jsonl with a folded decision record too): one chain of records
/// with every member, escaped and literal non-ASCII text, and an explanation as the policy serialises it
/// (its default encoder escapes <c>'</c>, <c>+</c>, <c>&lt;</c> and non-ASCII as <c>\uXXXX</c>).
/// </summary>
internal static class AuditVectors
{
    public const string PolicyExplanation = """{"policy_digest":"3f0c","intent_digest":"9a1b","decision_path":[{"control":"agent_registration","outcome":"pass","severity":"none","missing_evidence":null,"remedy":null},{"control":"data_class_ceiling","outcome":"fail","severity":"high","missing_evidence":"the agent\u0027s ceiling is \u003cinternal\u003e \u002B pii \u2014 d\u00E9tails \u2713 \uD83D\uDE80","remedy":"raise the agent\u0027s ceiling \u0026 re-run","approval_required":true}],"rule_triggers":[],"open_risks":[],"what_would_change":["a warrant \u2014 \u0022quoted\u0022 \\ back\\slash\n"],"approvals_required":1}""";

    public static readonly string[] Texts =
    [
        "plain",
        "ünïcode — ✓ 日本語 🚀",
        "quotes \" and backslash \\ and slash /",
        "controls \b\f\n\r\t \u0001 \u001f \u007f end",
        "line\u2028separator <tag> & 'single'",
        string.Empty,
    ];

    public static IEnumerable<AuditRecord> Unsigned()
    {
        var seq = 0L;
        foreach (var text in Texts)
        {
            seq++;
            yield return Record(seq, text) with { UpstreamStatus = 200, LatencyMs = 0.1 + 0.2 * seq, PrevHash = string.Empty };
        }

        seq++;
        yield return new AuditRecord
        {
            Seq = seq,
            Time = new DateTimeOffset(2026, 11, 23, 1, 2, 3, TimeSpan.FromHours(2)),
            Tenant = "tenant-1",
            Agent = "agent:1",
            Tool = "crm.read_contact",
            Decision = "require_approval",
            FailingControls = ["data_class_ceiling"],
            Explanation = Encoding.UTF8.GetBytes(PolicyExplanation),
            PolicyDigest = new string('p', 64),
            IntentDigest = new string('i', 64),
            StatusCode = 202,
            ApprovalId = "apr_1",
            Simulated = true,
            Replica = "replica-1",
            PrevHash = string.Empty,
        };
        foreach (var record in Forwarded(seq))
        {
            seq++;
            yield return record;
        }

        seq++;
        yield return new AuditRecord
        {
            Seq = seq,
            Time = DateTimeOffset.UnixEpoch,
            Tenant = "tenant-1",
            Agent = "admin",
            Decision = "admin_action",
            Actor = "erin",
            Replica = "replica-1",
            PrevHash = string.Empty,
        };
    }

    /// <summary>
    /// Only in the chains sealed since outcomes fold (Fixtures/audit-chain-vectors-folded.jsonl): a decision written before
    /// its request is forwarded (no status yet), and one record standing for the outcomes of two requests; and since
    /// decisions fold (Fixtures/audit-chain-vectors-decisions.jsonl), one standing for the decisions of two requests.
    /// </summary>
    private static IEnumerable<AuditRecord> Forwarded(long after)
    {
        var decision = Record(after + 1, "plain") with { StatusCode = 0, Invoked = false, Redactions = null, PrevHash = string.Empty };
        yield return decision;
        yield return Record(after + 2, "plain") with
        {
            RequestId = null,
            FailingControls = null,
            Explanation = default,
            PolicyDigest = null,
            IntentDigest = null,
            StatusCode = 0,
            Invoked = false,
            Redactions = null,
            Count = 2,
            Outcomes =
            [
                new AuditOutcome { RequestId = "req-" + (after + 1), StatusCode = 200, Invoked = true, UpstreamStatus = 201, LatencyMs = 12.5, Redactions = new Dictionary<string, int> { ["pii"] = 2, ["email"] = 1 } },
                new AuditOutcome { RequestId = "req-x", StatusCode = 502, Invoked = true, LatencyMs = 0.1 + 0.2 },
            ],
            PrevHash = string.Empty,
        };

        // Since decisions fold (Fixtures/audit-chain-vectors-decisions.jsonl): one record standing for the decisions of two
        // requests, each with its id and intent digest; the explanation is stored less the first one's.
        yield return Record(after + 3, "plain") with
        {
            RequestId = null,
            IntentDigest = null,
            Explanation = Encoding.UTF8.GetBytes(PolicyExplanation.Replace("\"intent_digest\":\"9a1b\"", "\"intent_digest\":\"i-y\"", StringComparison.Ordinal)),
            StatusCode = 0,
            Invoked = false,
            Redactions = null,
            Count = 2,
            Decisions = [new AuditDecision { RequestId = "req-y", IntentDigest = "i-y" }, new AuditDecision { RequestId = "req-z", IntentDigest = "i-\u00e9 \"z\"" }],
            PrevHash = string.Empty,
        };
    }

    /// <summary>An unsigned record carrying <paramref name="text"/> in its tool, failing controls and explanation.</summary>
    public static AuditRecord Record(long seq, string text) => new()
    {
        Seq = seq,
        Time = new DateTimeOffset(2026, 11, 22, 22, 35, 1, 123, TimeSpan.Zero).AddTicks(4567).AddSeconds(seq),
        Tenant = "tenant-1",
        Workspace = "ws",
        Agent = "agent:1",
        Tool = text,
        Connector = "crm",
        RequestId = "req-" + seq,
        Decision = "allow_and_log",
        FailingControls = ["z_last", "a_first", text],
        Explanation = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["z"] = 1.50, ["b"] = new object[] { true, new Dictionary<string, string> { [text] = text } }, ["a"] = new { nested = (string?)null } }),
        PolicyDigest = "p1",
        IntentDigest = "i1",
        StatusCode = 200,
        Invoked = true,
        Redactions = new Dictionary<string, int> { ["pii"] = 2, ["email"] = 1 },
        Replica = "replica-1",
        PrevHash = new string('a', 64),
    };

    /// <summary>Seals a record; its journal line (UTF-8) as text.</summary>
    public static (AuditRecord Record, string Line) SealToText(AuditRecord unsigned)
    {
        var (record, line) = AuditSeal.Seal(unsigned);
        return (record, Encoding.UTF8.GetString(line));
    }

    /// <summary>
    /// Seals <see cref="Unsigned"/> into one chain as an export gives it: each record by digest, its explanation's line
    /// (<see cref="Gateway.Policy.AuditChain.AuditExplanationLine"/>) before the first record that refers to it.
    /// </summary>
    public static List<string> SealExport()
    {
        var lines = new List<string>();
        var given = new HashSet<string>(StringComparer.Ordinal);
        var previous = AuditCanonicalJson.GenesisHash;
        foreach (var unsigned in Unsigned())
        {
            var sealedRecord = AuditSeal.Seal(unsigned with { PrevHash = previous });
            previous = sealedRecord.Record.Hash!;
            if (sealedRecord.Explanation is { } explanation && given.Add(explanation.Digest))
            {
                lines.Add(Gateway.Policy.AuditChain.AuditExplanationLine.Write(unsigned.Tenant, explanation.Digest, Encoding.UTF8.GetString(explanation.Json)));
            }

            lines.Add(Encoding.UTF8.GetString(sealedRecord.Line));
        }

        return lines;
    }

    /// <summary>Seals <see cref="Unsigned"/> into one chain; returns the journal lines.</summary>
    public static List<string> SealChain()
    {
        var lines = new List<string>();
        var previous = AuditCanonicalJson.GenesisHash;
        foreach (var unsigned in Unsigned())
        {
            var (record, line) = SealToText(unsigned with { PrevHash = previous });
            previous = record.Hash!;
            lines.Add(line);
        }

        return lines;
    }
}
