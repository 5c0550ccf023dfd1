using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// An agent rotating its public key (<c>next_public_key</c>, <c>rotation_ends</c>), the key counterpart of
/// <see cref="SecretRotationTests"/>: both keys sign during the window, only the next one after it or once the current
/// one is retired (the same <c>retire-secret</c> switch); the audit record's <c>secret_slot</c> and the metric say which signed.
/// </summary>
public sealed class AgentKeyRotationTests
{
    private const string AgentPath = "/admin/v1/tenants/demo/agents/demo-agent";
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    private static Func<string, string> Rotating(string? ends = null) => MessageSignatureTests.WithKey(
        VectorKeyPair.Ed25519,
        "next_public_key: " + VectorKeyPair.P256.BundleEntry + (ends is null ? string.Empty : "\n    rotation_ends: " + ends));

    [Fact]
    public async Task Evaluate_DuringRotationWindow_BothKeysAreAcceptedAndTheSlotIsRecorded()
    {
        await using var gw = await GovernedGateway.StartAsync(Rotating("2999-01-01T00:00:00Z"));

        await RotationAssert.BothAcceptedAndRecordedAsync(gw, () => Current(gw).PostJsonAsync("/v1/evaluate", Evaluate), () => Next(gw).PostJsonAsync("/v1/evaluate", Evaluate));
    }

    [Fact]
    public async Task Evaluate_AfterRotationEnds_OnlyNextKeyIsAccepted()
    {
        await using var gw = await GovernedGateway.StartAsync(Rotating("2020-01-01T00:00:00Z"));

        using var current = await Current(gw).PostJsonAsync("/v1/evaluate", Evaluate);
        using var next = await Next(gw).PostJsonAsync("/v1/evaluate", Evaluate);

        await ProblemAssert.IsProblemAsync(current, HttpStatusCode.Unauthorized, "unknown_key_id");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task RetireSecret_DuringKeyRotation_RefusesTheCurrentKeyAtOnceAndKeepsTheNext()
    {
        await using var gw = await GovernedGateway.StartAsync(Rotating());

        await RotationAssert.RetiredThenOnlyNextAsync(gw.Admin(), () => Current(gw).PostJsonAsync("/v1/evaluate", Evaluate), () => Next(gw).PostJsonAsync("/v1/evaluate", Evaluate));
    }

    [Fact]
    public async Task RetireSecret_KeyWithoutNextKey_Is409AndTheKeyStillWorks()
    {
        await using var gw = await GovernedGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));

        using (var retire = await gw.Admin().PostAsync(AgentPath + "/retire-secret", content: null))
        {
            await ProblemAssert.IsProblemAsync(retire, HttpStatusCode.Conflict, "no_secret_rotation");
        }

        using var current = await Current(gw).PostJsonAsync("/v1/evaluate", Evaluate);
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
    }

    private static MessageSigningClient Current(GovernedGateway gw) => new(gw.Host.Client, VectorKeyPair.Ed25519);

    private static MessageSigningClient Next(GovernedGateway gw) => new(gw.Host.Client, VectorKeyPair.P256);
}
