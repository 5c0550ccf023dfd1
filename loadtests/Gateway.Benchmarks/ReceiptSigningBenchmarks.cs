using BenchmarkDotNet.Attributes;
using Gateway.Policy.Evidence;

namespace Gateway.Benchmarks;

/// <summary>
/// The per-request cost of a decision receipt (docs/evidence.md): one ES256 signature over a typical receipt
/// (<see cref="DecisionReceipt.Sign"/>), its verification (what an SDK does), and the leaf hash the Record stage adds to
/// each sealed record (SHA-256(0x00 ‖ line) of a typical 700-byte line).
/// </summary>
[MemoryDiagnoser]
public class ReceiptSigningBenchmarks
{
    private readonly ReceiptKeyRing _ring = ReceiptKeyRing.Generate(DateTimeOffset.UnixEpoch);
    private readonly byte[] _line = new byte[700];
    private DecisionReceipt _claims = null!;
    private EvidenceKeySet _keys = null!;
    private string _receipt = null!;

    [GlobalSetup]
    public void Setup()
    {
        _claims = new DecisionReceipt
        {
            Tenant = "acme",
            Replica = "gateway-0",
            RequestId = "0HN8JQ5V4G1KQ:00000001",
            Agent = "support-bot",
            Tool = "crm.update",
            Decision = "allow_and_log",
            IntentDigest = new string('a', 64),
            PolicyDigest = new string('b', 64),
            LeafIndex = 123_456,
            LeafHash = new string('c', 64),
            RecordHash = new string('d', 64),
            IssuedAt = 1_764_000_000,
        };
        _keys = EvidenceKeySet.Of(_ring);
        _receipt = _claims.Sign(_ring.Active);
    }

    [Benchmark(Baseline = true)]
    public string SignReceipt() => _claims.Sign(_ring.Active);

    [Benchmark]
    public bool VerifyReceipt() => DecisionReceipt.TryVerify(_receipt, _keys, out _, out _);

    [Benchmark]
    public byte[] LeafHash() => MerkleTree.LeafHash(_line);
}
