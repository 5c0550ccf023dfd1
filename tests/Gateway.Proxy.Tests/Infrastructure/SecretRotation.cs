using System.Security.Cryptography;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The demo agent in the middle of a secret rotation: its next secret in an environment variable of its own (named per
/// instance, so tests running in parallel never share one), written into the bundle as <c>next_secret</c>.
/// </summary>
public sealed class SecretRotation : IDisposable
{
    public SecretRotation()
    {
        Variable = "GW_TEST_NEXT_SECRET_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        NextSecret = "demo-agent-next-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        Environment.SetEnvironmentVariable(Variable, NextSecret);
    }

    public string Variable { get; }

    public string NextSecret { get; }

    /// <summary>Gives the demo agent its next secret, and a <c>rotation_ends</c> when <paramref name="ends"/> is given.</summary>
    public Func<string, string> Rewrite(string? ends = null) => text => text.Replace(
        "secret: file:secrets/demo-agent.secret",
        "secret: file:secrets/demo-agent.secret\n    next_secret: env:" + Variable + (ends is null ? string.Empty : "\n    rotation_ends: " + ends),
        StringComparison.Ordinal);

    public void Dispose() => Environment.SetEnvironmentVariable(Variable, null);
}
