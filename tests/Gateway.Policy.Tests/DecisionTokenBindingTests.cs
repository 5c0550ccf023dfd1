using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Policy.Tests;

/// <summary>
/// <see cref="DecisionTokenBinding"/>: a token the gateway issues carries, as its last claim, a MAC of its payload under
/// a key only the gateway holds, so that a holder of the decision signing key cannot sign claims the gateway reads as
/// its own; a reader without the binding (an old replica, an SDK checking offline) reads the bound token as before.
/// </summary>
public sealed class DecisionTokenBindingTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("decision-signing-key-for-tests-0123456789");
    private static readonly byte[] RootKey = RandomNumberGenerator.GetBytes(32);
    private static readonly DecisionTokenBinding Binding = new(RootKey);
    private static readonly string Digest = new('a', 64);
    private static readonly FakeTimeProvider Time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    [Fact]
    public void Read_ABoundToken_ReadsWithAndWithoutTheBinding()
    {
        var token = new DecisionTokenIssuer(Key, Time, binding: Binding).Issue("demo", "demo-agent", "crm.read_contact", Digest, DecisionKind.Allow);

        var bound = new DecisionTokenReader(Key, Binding).Read(token);
        var plain = new DecisionTokenReader(Key).Read(token);

        Assert.Equal("crm.read_contact", bound.Payload?.Tool);
        Assert.Equal(bound.Payload, plain.Payload);
        Assert.EndsWith("\"}", PayloadOf(token), StringComparison.Ordinal);
        Assert.Contains(",\"bnd\":\"", PayloadOf(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ATokenSignedWithTheDecisionKeyAlone_IsSignatureInvalid()
    {
        var reader = new DecisionTokenReader(Key, Binding);
        var unbound = new DecisionTokenIssuer(Key, Time).Issue("demo", "demo-agent", "crm.read_contact", Digest, DecisionKind.Allow);
        var otherBinding = new DecisionTokenIssuer(Key, Time, binding: new DecisionTokenBinding(RandomNumberGenerator.GetBytes(32))).Issue("demo", "demo-agent", "crm.read_contact", Digest, DecisionKind.Allow);
        var payload = PayloadOf(new DecisionTokenIssuer(Key, Time, binding: Binding).Issue("demo", "demo-agent", "crm.read_contact", Digest, DecisionKind.Allow));
        var reclaimed = Sign(payload.Replace("crm.read_contact", "payments.refund", StringComparison.Ordinal));
        var appended = Sign(payload[..^1] + ",\"x\":1}");
        var moved = Sign(payload.Replace("{\"tid\"", "{\"x\":1,\"tid\"", StringComparison.Ordinal));

        foreach (var forged in new[] { unbound, otherBinding, reclaimed, appended, moved })
        {
            Assert.Equal(DecisionTokenRead.SignatureInvalid, reader.Read(forged));
        }
    }

    [Fact]
    public void Bind_APayloadThatIsNotAnObjectWithMembers_Throws()
    {
        var destination = new byte[128];

        Assert.Throws<ArgumentException>(() => Binding.Bind("{}"u8, destination));
        Assert.Throws<ArgumentException>(() => Binding.Bind("[1,2]"u8, destination));
        Assert.Throws<ArgumentException>(() => new DecisionTokenBinding(new byte[31]));
    }

    private static string PayloadOf(string token) => Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[1]));

    // Signs a payload with the decision signing key alone, as its holder can.
    private static string Sign(string payloadJson)
    {
        var signingInput = "v1." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadJson));
        return signingInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes(signingInput)));
    }
}
