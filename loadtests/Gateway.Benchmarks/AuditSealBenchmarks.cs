using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Gateway.Audit;

namespace Gateway.Benchmarks;

/// <summary>
/// Sealing one audit record (canonical form, SHA-256, journal line) with <see cref="AuditSeal.Seal(AuditRecord, AuditExplanationCache?)"/>:
/// the per-record CPU cost of the journal. Target: at most 10 µs and one buffer per record for a
/// record of about 3 KB (an explanation with the full decision path of 11 controls). A record carries its
/// explanation only as the UTF-8 JSON of its entry, so there is no longer a seal of an already parsed one
/// (<c>SealTypical</c>, gone since issue #24).
/// </summary>
[MemoryDiagnoser]
public class AuditSealBenchmarks
{
    private AuditRecord _small = null!;
    private AuditRecord _typicalFromEntry = null!;
    private JsonElement _typicalExplanation;

    [GlobalSetup]
    public void Setup()
    {
        _small = new AuditRecord
        {
            Seq = 42,
            Time = DateTimeOffset.UtcNow,
            Tenant = "acme",
            Agent = "support-bot",
            Decision = "block",
            StatusCode = 403,
            Replica = "gateway-0",
            PrevHash = new string('a', 64),
        };

        var path = Enumerable.Range(0, 11).Select(i => new Dictionary<string, object?>
        {
            ["control"] = $"control_{i:00}_" + new string('c', 12),
            ["outcome"] = i == 7 ? "fail" : "pass",
            ["reason"] = $"The control {i} checked the agent's registration, the tool's data classes and the provenance of the arguments — détails ✓",
            ["evidence"] = new Dictionary<string, object?> { ["rule"] = $"rule-{i}", ["matched"] = i % 2 == 0, ["score"] = i * 0.125 },
        }).ToArray();
        _typicalExplanation = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["policy_digest"] = new string('p', 64),
            ["intent_digest"] = new string('i', 64),
            ["decision"] = "allow_and_log",
            ["decision_path"] = path,
            ["summary"] = "Allowed with logging: the arguments carry personal data that the policy lets this agent read.",
        });
        // As the journal seals a decision record: the explanation as the agent was answered (the policy
        // serializer's escaping), parsed and canonicalised inside the seal.
        _typicalFromEntry = _small with
        {
            Workspace = "support",
            Tool = "crm.contacts.read",
            Connector = "crm",
            RequestId = Guid.NewGuid().ToString("N"),
            Decision = "allow_and_log",
            FailingControls = ["control_07_cccccccccccc"],
            Explanation = JsonSerializer.SerializeToUtf8Bytes(_typicalExplanation),
            PolicyDigest = new string('p', 64),
            IntentDigest = new string('i', 64),
            StatusCode = 200,
            Invoked = true,
            Redactions = new Dictionary<string, int> { ["email"] = 2, ["phone"] = 1 },
            UpstreamStatus = 200,
            LatencyMs = 12.75,
        };
    }

    [Benchmark(Baseline = true)]
    public byte[] SealSmall() => AuditSeal.Seal(_small).Line;

    /// <summary>The typical record as the journal seals it: the explanation arrives as the UTF-8 JSON the agent was sent.</summary>
    [Benchmark]
    public byte[] SealTypicalFromEntry() => AuditSeal.Seal(_typicalFromEntry).Line;

    /// <summary>The typical record's explanation alone, canonicalised and hashed (its share of the seal).</summary>
    [Benchmark]
    public string CanonicalExplanation() => Gateway.Policy.Canonical.CanonicalJson.Sha256Hex(_typicalExplanation, static (w, e) => w.WriteElement(e));
}
