using System.Globalization;
using System.Text;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>The example bundle with other run limits, and the model calls run-limit tests send.</summary>
public static class RunLimitBundles
{
    /// <summary>The example bundle's run limits: the tenant's default.</summary>
    public const string DefaultEntry = """  - { agent: "*", actions: 1000, tokens: 200000, cost: 5.00, duration: 24h, loop: { repeats: 25, decision: require_approval } }""";

    /// <summary>Output tokens the test model calls ask for at most.</summary>
    public const int MaxTokens = 50;

    /// <summary>The native model action every run-limit test sends (<paramref name="model"/> names the model).</summary>
    public static string ModelCall(string model = "gpt-4o") =>
        $$$"""{"connector":"openai","request":{"model":"{{{model}}}","max_tokens":{{{MaxTokens}}},"messages":[{"role":"user","content":"Say hello."}]}}""";

    /// <summary>The tokens the admission reserves for <see cref="ModelCall"/> on the native route: its output ceiling and its body's length.</summary>
    public static long Reserved(string model = "gpt-4o") => MaxTokens + Encoding.UTF8.GetByteCount(ModelCall(model));

    /// <summary>What the cost reservation of <see cref="ModelCall"/> is at the example's prices (0.0025 and 0.01 per 1K), in micro-units.</summary>
    public static long ReservedCostMicros(string model = "gpt-4o") =>
        (long)Math.Ceiling(((Encoding.UTF8.GetByteCount(ModelCall(model)) * 0.0025m) + (MaxTokens * 0.01m)) * 1000m);

    /// <summary>Micro-units as the bundle writes an amount (<c>0.00084</c>).</summary>
    public static string Amount(long micros) => (micros / 1_000_000m).ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>A bundle rewrite putting <paramref name="entry"/> (a flow mapping, e.g. <c>{ agent: "*", actions: 2 }</c>) in place of the example's default.</summary>
    public static Func<string, string> With(string entry) => text =>
    {
        Assert.Contains(DefaultEntry, text, StringComparison.Ordinal);
        return text.Replace(DefaultEntry, "  - " + entry, StringComparison.Ordinal);
    };
}
