using System.Text;

namespace Gateway.Audit.Tests;

/// <summary>The explanation cache answers a repeated explanation (differing only in its intent digest) without computing it again.</summary>
public sealed class AuditExplanationCacheTests
{
    // A decision's explanation as the gateway answers it (the allow path of the load test), its intent digest in second place.
    private const string Explanation =
        "{\"policy_digest\":\"6373a7d4564078b23e96e38cd17a129f4eae2eb6b9dbfa82a7d17aaf64aac031\",\"intent_digest\":\"{0}\","
        + "\"decision_path\":[{\"control\":\"agent_registration\",\"outcome\":\"pass\",\"severity\":\"none\",\"missing_evidence\":null,\"remedy\":null}],"
        + "\"rule_triggers\":[],\"open_risks\":[],\"what_would_change\":[]}";

    [Fact]
    public void Resolve_SameExplanationAgain_ReturnsTheStoredOneWithoutComputing()
    {
        var cache = new AuditExplanationCache();
        var digest = new string('e', 64);
        var bytes = Encoding.UTF8.GetBytes(Explanation.Replace("{0}", digest, StringComparison.Ordinal));

        var first = cache.Resolve(bytes, digest);
        var second = cache.Resolve(bytes.ToArray(), digest);

        Assert.Same(first, second);
    }

    [Fact]
    public void Resolve_OtherIntentDigest_ReturnsTheSameStoredExplanation()
    {
        var cache = new AuditExplanationCache();
        var (a, b) = (new string('a', 64), new string('b', 64));

        var first = cache.Resolve(Encoding.UTF8.GetBytes(Explanation.Replace("{0}", a, StringComparison.Ordinal)), a);
        var second = cache.Resolve(Encoding.UTF8.GetBytes(Explanation.Replace("{0}", b, StringComparison.Ordinal)), b);

        Assert.Same(first, second);
        Assert.DoesNotContain("intent_digest", Encoding.UTF8.GetString(first.Json), StringComparison.Ordinal);
    }
}
