using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Gateway.Connectors.Credentials;
using Gateway.Policy;
using Gateway.Policy.Serialization;

namespace Gateway.Benchmarks;

/// <summary>
/// Time and allocation of the per-request pieces around the decision (issue #13, "22 % in GC"): the
/// explanation serialised for the answer and the audit record, parsed once into the element the audit
/// record carries, and a <c>file:</c> credential resolved from the resolver's cache (confinement checked
/// at refresh only, so a hit reads no link and allocates nothing).
/// </summary>
[MemoryDiagnoser]
public class HotPathPieceBenchmarks
{
    private Explanation _explanation = null!;
    private byte[] _explanationJson = null!;
    private CredentialResolver _resolver = null!;
    private string _reference = null!;
    private string _root = null!;

    [GlobalSetup]
    public void Setup()
    {
        var policy = new PolicyDecisionBenchmarks { Agents = 10 };
        policy.Setup();
        _explanation = policy.AllowPath().Explanation;
        _explanationJson = JsonSerializer.SerializeToUtf8Bytes(_explanation, PolicyJsonContext.Default.Explanation);

        _root = Directory.CreateTempSubdirectory("gw-bench-credentials-").FullName;
        var tenant = Directory.CreateDirectory(Path.Combine(_root, "bench")).FullName;
        var file = Path.Combine(tenant, "crm-token");
        File.WriteAllText(file, "bench-credential");
        _reference = "file:" + file;
        _resolver = new CredentialResolver(null, new CredentialResolverOptions { CredentialsRoot = _root, FileCacheTtl = TimeSpan.FromMinutes(10) });
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark]
    public byte[] SerializeExplanation() => JsonSerializer.SerializeToUtf8Bytes(_explanation, PolicyJsonContext.Default.Explanation);

    [Benchmark]
    public JsonElement ParseExplanationForAudit()
    {
        using var document = JsonDocument.Parse(_explanationJson);
        return document.RootElement.Clone();
    }

    [Benchmark]
    public bool ResolveFileCredentialCached() => _resolver.IsAvailableAsync("bench", _reference).GetAwaiter().GetResult();
}
